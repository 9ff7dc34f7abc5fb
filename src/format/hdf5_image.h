// Opening bytes already in memory as a read-only HDF5 file, in place: HDF5's core driver reads
// the caller's buffer instead of a copy. Plain HDF5 (no kerasrt types), so that
// bench/hdf5_floor.cc times HDF5 alone through the same calls format/hdf5.cc makes.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string>

namespace kerasrt::h5 {

// The file id of `size` bytes at `data`, opened read-only under `name` (HDF5 treats two open
// files with the same name as one), or a negative id when they are not an HDF5 file. The bytes
// must outlive the file; HDF5 never writes, grows or frees them.
hid_t open_image_in_place(const void* data, size_t size, const std::string& name);

}  // namespace kerasrt::h5

// A whole file's bytes, read-only, for the format readers. A regular file is mapped from the
// page cache: no copy and no fresh memory to fault in, which is most of what reading costs
// (TensorFlow Lite and ONNX Runtime map model files the same way). Anything else (a pipe,
// /dev/stdin) is read into memory. A mapped file that another process truncates while it is
// mapped makes reading past the new end fault (SIGBUS); the bytes are only held while loading.
//
// The mapping is not pre-faulted (MAP_POPULATE): the HDF5 reader's first step reads every byte
// on all the helper threads (the global-heap check in format/hdf5.cc), which maps the pages in
// in parallel rather than on one thread before it. Medians of 16-40 fresh-process loads, with
// MAP_POPULATE -> without: MobileNetV2 21.1 -> 20.4 ms, ResNet50 66.7 -> 64.2, Transformer
// 19.5 -> 18.3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kerasrt {

class FileBytes {
 public:
  // Refuses files larger than `max_bytes` before reading them (Limits::max_file_bytes).
  static FileBytes open(const std::string& path, uint64_t max_bytes);
  ~FileBytes();
  FileBytes(FileBytes&& other) noexcept;
  FileBytes& operator=(FileBytes&&) = delete;
  FileBytes(const FileBytes&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  FileBytes() = default;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;      // set when mapped
  std::vector<std::byte> copy_;  // the bytes when not mapped
};

}  // namespace kerasrt

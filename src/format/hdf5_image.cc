#include "format/hdf5_image.h"

namespace kerasrt::h5 {
namespace {

// File-image callbacks that hand HDF5 the caller's buffer wherever it would allocate and copy
// the image (into the file-access property list, then into the core driver), and never write,
// grow or free it: H5LTopen_file_image(DONT_COPY | DONT_RELEASE) without the high-level
// library, whose callback state HDF5 1.10 never frees (LeakSanitizer: 72 bytes per file).
// `udata` is read only while H5Fopen runs; at close HDF5 calls the free callbacks, which ignore it.
struct InPlaceImage {
  void* data;
  size_t size;
};

void* in_place_malloc(size_t size, H5FD_file_image_op_t, void* udata) {
  const auto* image = static_cast<const InPlaceImage*>(udata);
  return size == image->size ? image->data : nullptr;
}

void* in_place_memcpy(void* dest, const void* src, size_t size, H5FD_file_image_op_t, void* udata) {
  const auto* image = static_cast<const InPlaceImage*>(udata);
  // Every copy asked for is of the buffer onto itself.
  return dest == image->data && src == image->data && size == image->size ? dest : nullptr;
}

void* in_place_realloc(void*, size_t, H5FD_file_image_op_t, void*) { return nullptr; }
herr_t in_place_free(void*, H5FD_file_image_op_t, void*) { return 0; }
void* in_place_udata_copy(void* udata) { return udata; }
herr_t in_place_udata_free(void*) { return 0; }

}  // namespace

hid_t open_image_in_place(const void* data, size_t size, const std::string& name) {
  InPlaceImage image{const_cast<void*>(data), size};
  H5FD_file_image_callbacks_t callbacks = {
      in_place_malloc,     in_place_memcpy, in_place_realloc, in_place_free, in_place_udata_copy,
      in_place_udata_free, &image};
  const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  if (access < 0) return -1;
  hid_t file = -1;
  if (H5Pset_fapl_core(access, 1 << 20, 0) >= 0 &&
      H5Pset_file_image_callbacks(access, &callbacks) >= 0 &&
      H5Pset_file_image(access, image.data, image.size) >= 0)
    file = H5Fopen(name.c_str(), H5F_ACC_RDONLY, access);
  H5Pclose(access);
  return file;
}

}  // namespace kerasrt::h5

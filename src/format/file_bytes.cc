#include "format/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "format/readers.h"

namespace kerasrt {

FileBytes FileBytes::open(const std::string& path, uint64_t max_bytes) {
  FileBytes file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd >= 0 && ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    check_limit(static_cast<uint64_t>(info.st_size), max_bytes, "max_file_bytes", "the file",
                "bytes");
    const size_t size = static_cast<size_t>(info.st_size);
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping != MAP_FAILED) {
      ::close(fd);
      file.mapping_ = mapping;
      file.data_ = static_cast<const std::byte*>(mapping);
      file.size_ = size;
      return file;
    }
  }
  if (fd >= 0) ::close(fd);
  file.copy_ = read_binary_file(path, max_bytes);  // its errors name what went wrong
  file.data_ = file.copy_.data();
  file.size_ = file.copy_.size();
  return file;
}

FileBytes::FileBytes(FileBytes&& other) noexcept
    : data_(other.data_),
      size_(other.size_),
      mapping_(other.mapping_),
      copy_(std::move(other.copy_)) {
  other.mapping_ = nullptr;
  if (!mapping_) data_ = copy_.data();
}

FileBytes::~FileBytes() {
  if (mapping_) ::munmap(mapping_, size_);
}

}  // namespace kerasrt

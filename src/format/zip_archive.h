// Read-only access to a zip archive in memory (libzip), with limits against zip bombs.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kerasrt {

class ZipArchive {
 public:
  explicit ZipArchive(std::span<const std::byte> bytes);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  // The whole entry, at most `max_bytes` once expanded.
  std::vector<std::byte> read(const std::string& name, size_t max_bytes) const;

  static bool has_signature(std::span<const std::byte> head);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kerasrt

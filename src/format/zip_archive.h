// Read-only access to a zip archive in memory (libzip), with limits against zip bombs.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt {

class ZipArchive {
 public:
  // Refuses archives with more than limits.max_zip_entries entries.
  explicit ZipArchive(std::span<const std::byte> bytes, const Limits& limits = {});
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  // The whole entry, refused when `before` (bytes already expanded from the archive) plus its
  // expanded size exceeds `max_bytes`; `limit` names the Limits field for the error. Memory
  // grows with the bytes actually expanded, not with the size the entry claims.
  std::vector<std::byte> read(const std::string& name, uint64_t max_bytes,
                              const char* limit = "max_zip_expanded_bytes",
                              uint64_t before = 0) const;

  static bool has_signature(std::span<const std::byte> head);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kerasrt

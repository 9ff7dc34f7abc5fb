#include "format/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <cstring>

#include "core/limits.h"

namespace kerasrt {

struct ZipArchive::Impl {
  zip_t* archive = nullptr;
  // Here rather than in ~ZipArchive: when the constructor throws (a limit), only this runs.
  ~Impl() {
    if (archive) zip_discard(archive);
  }
};

ZipArchive::ZipArchive(std::span<const std::byte> bytes, const Limits& limits)
    : impl_(std::make_unique<Impl>()) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) {
    zip_error_fini(&error);
    throw Error("cannot read the zip archive");
  }
  impl_->archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!impl_->archive) {
    zip_source_free(source);
    const std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error("not a valid zip archive (" + reason + ")");
  }
  zip_error_fini(&error);
  check_limit(zip_get_num_entries(impl_->archive, 0), limits.max_zip_entries, "max_zip_entries",
              "the number of entries in the zip archive");
}

ZipArchive::~ZipArchive() = default;

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> out;
  const zip_int64_t count = zip_get_num_entries(impl_->archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(impl_->archive, static_cast<zip_uint64_t>(i), 0);
    if (name) out.emplace_back(name);
  }
  return out;
}

bool ZipArchive::contains(const std::string& name) const {
  return zip_name_locate(impl_->archive, name.c_str(), 0) >= 0;
}

std::vector<std::byte> ZipArchive::read(const std::string& name, uint64_t max_bytes,
                                        const char* limit, uint64_t before) const {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(impl_->archive, name.c_str(), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw Error("the archive has no entry '" + name + "'");
  const uint64_t total = stat.size > UINT64_MAX - before ? UINT64_MAX : before + stat.size;
  check_limit(
      total, max_bytes, limit,
      "archive entry '" + name + "' (expanded" +
          (before ? ", with the " + std::to_string(before) + " bytes expanded before it)" : ")"),
      "bytes");
  zip_file_t* file = zip_fopen(impl_->archive, name.c_str(), 0);
  if (!file)
    throw Error("cannot open archive entry '" + name +
                "' (unsupported compression or encryption?)");
  // Grow with what actually expands (a bomb that claims gigabytes gets memory only as it
  // delivers them), never past the declared size; libzip checks the CRC at the end.
  constexpr size_t kStep = size_t{16} << 20;
  const size_t declared = static_cast<size_t>(stat.size);
  std::vector<std::byte> data;
  size_t filled = 0;
  bool failed = false;
  while (filled < declared) {
    data.resize(std::min(declared, filled + kStep));
    const zip_int64_t got = zip_fread(file, data.data() + filled, data.size() - filled);
    if (got < 0) failed = true;
    if (got <= 0) break;
    filled += static_cast<size_t>(got);
  }
  std::byte probe;
  const bool longer = !failed && zip_fread(file, &probe, 1) > 0;
  zip_fclose(file);
  if (failed || filled != declared || longer)
    throw Error("archive entry '" + name + "' is corrupt (size or CRC mismatch)");
  return data;
}

bool ZipArchive::has_signature(std::span<const std::byte> head) {
  return head.size() >= 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0;
}

}  // namespace kerasrt

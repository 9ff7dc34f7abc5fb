#include "format/zip_archive.h"

#include <zip.h>

#include <cstring>

#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

constexpr zip_int64_t kMaxEntries = 100000;

}  // namespace

struct ZipArchive::Impl {
  zip_t* archive = nullptr;
};

ZipArchive::ZipArchive(std::span<const std::byte> bytes) : impl_(std::make_unique<Impl>()) {
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
  if (zip_get_num_entries(impl_->archive, 0) > kMaxEntries)
    throw Error("the zip archive has more than " + std::to_string(kMaxEntries) + " entries");
}

ZipArchive::~ZipArchive() {
  if (impl_->archive) zip_discard(impl_->archive);
}

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

std::vector<std::byte> ZipArchive::read(const std::string& name, size_t max_bytes) const {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(impl_->archive, name.c_str(), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw Error("the archive has no entry '" + name + "'");
  if (stat.size > max_bytes)
    throw Error("archive entry '" + name + "' expands to " + std::to_string(stat.size) +
                " bytes, over the limit of " + std::to_string(max_bytes));
  zip_file_t* file = zip_fopen(impl_->archive, name.c_str(), 0);
  if (!file) throw Error("cannot open archive entry '" + name + "' (unsupported compression or encryption?)");
  std::vector<std::byte> data(static_cast<size_t>(stat.size));
  size_t filled = 0;
  while (filled < data.size()) {
    const zip_int64_t got = zip_fread(file, data.data() + filled, data.size() - filled);
    if (got <= 0) break;
    filled += static_cast<size_t>(got);
  }
  // The declared size is what we allocated for; a lying entry cannot grow past it, and
  // libzip checks the CRC when the entry is read to its end.
  std::byte probe;
  const bool longer = zip_fread(file, &probe, 1) > 0;
  zip_fclose(file);
  if (filled != data.size() || longer) throw Error("archive entry '" + name + "' is corrupt (size or CRC mismatch)");
  return data;
}

bool ZipArchive::has_signature(std::span<const std::byte> head) {
  return head.size() >= 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0;
}

}  // namespace kerasrt

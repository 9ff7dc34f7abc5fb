// A small read-only view of an HDF5 file, just what the Keras layouts need.
//
// Debian's HDF5 is built without thread safety, so every HDF5 call made by kerasrt goes
// through this file and holds one process-wide mutex. Loading is rare and predict never
// touches HDF5, so the lock costs nothing where it matters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasrt::h5 {

class Handle;  // an open HDF5 file and the groups opened in it

class Group {
 public:
  // `object`: the open group at `path`, which `handle` keeps open.
  Group(std::shared_ptr<Handle> handle, std::string path, int64_t object);

  const std::string& path() const { return path_; }
  // The options the file was opened with (limits apply to everything read through it).
  const LoadOptions& options() const;
  bool has_attribute(const std::string& name) const;
  // A string attribute: fixed- or variable-length, ASCII or UTF-8, scalar or a 1-D array.
  std::vector<std::string> string_attribute(const std::string& name) const;
  // The first string of an attribute, or "" when it is missing or empty.
  std::string string_attribute_or_empty(const std::string& name) const;
  // Keras splits attributes over 64 KiB into name0, name1, ...: reads `name`, else joins those.
  std::optional<std::vector<std::string>> chunked_string_attribute(const std::string& name) const;

  // Child names in HDF5's (alphabetical) order.
  std::vector<std::string> children() const;
  bool has_group(const std::string& relative_path) const;
  Group group(const std::string& relative_path) const;  // throws if missing
  std::optional<Group> find_group(const std::string& relative_path) const;
  // Reads a float dataset (float16/32/64, any integer) as float32.
  Array dataset(const std::string& relative_path) const;

 private:
  friend class File;
  std::shared_ptr<Handle> handle_;
  std::string path_;
  int64_t object_;  // HDF5's hid_t
};

class File {
 public:
  static File open(const std::string& path);
  // Sizes are checked against options.limits before anything is allocated: the image size,
  // string attributes, each dataset and the total of values read through this file. HDF5 reads
  // `bytes` in place, without a copy: they must outlive the File and everything opened from it.
  // With a `keeper` that keeps them alive, float32 datasets stored as they are needed are not
  // copied: their Arrays point into `bytes` (Array::in_file) and share the keeper.
  static File open_memory(std::span<const std::byte> bytes, const std::string& name,
                          const LoadOptions& options = {},
                          std::shared_ptr<const void> keeper = nullptr);
  Group root() const { return root_; }
  // The open file, for closing it later: closing is not free (MobileNetV2: HDF5 empties its
  // metadata cache, 0.6-1 ms), and a loader can do it beside building the graph.
  std::shared_ptr<const void> open_file() const;

 private:
  explicit File(Group root) : root_(std::move(root)) {}
  static File with_root(std::shared_ptr<Handle> handle);
  Group root_;
};

// True if the bytes start with the HDF5 signature (at offset 0; Keras never writes a user block).
bool has_signature(std::span<const std::byte> head);

}  // namespace kerasrt::h5

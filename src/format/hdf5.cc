#include "format/hdf5.h"

#include <hdf5.h>
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <mutex>
#include <type_traits>

#include "core/cpu_isa.h"
#include "core/half_float.h"
#include "core/helper_threads.h"
#include "core/large_buffer.h"
#include "core/limits.h"
#include "core/shape.h"
#include "format/hdf5_image.h"

namespace kerasrt::h5 {
static_assert(std::is_same_v<hid_t, int64_t>, "hdf5.h declares Group's object as int64_t");
namespace {

// The one lock around the (not thread-safe) HDF5 library. Recursive because handles close
// themselves while other calls hold it.
std::recursive_mutex& library_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

using Lock = std::lock_guard<std::recursive_mutex>;

// HDF5 prints its error stack to stderr by default; we report errors ourselves.
void silence_library_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// Owns one hid_t and closes it with the matching H5*close.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) {
      Lock lock(library_mutex());
      close_(id_);
    }
  }
  Id(Id&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Id& operator=(Id&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(close_, other.close_);
    return *this;
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::string join(const std::string& base, const std::string& relative) {
  if (relative.empty()) return base;
  if (base == "/") return "/" + relative;
  return base + "/" + relative;
}

// The first `size` >= at where "GCOL" starts in data[0, size), or size. The global-heap check
// below reads the whole file for it: memchr stops at every 'G' (one byte in 256 of random
// weights) and ran at 18 GB/s; comparing 32 positions at once runs at memory speed (ResNet50's
// 103 MB: 5.6 -> 3.4 ms). KERASRT_ISA=scalar (core/cpu_isa.h) selects the memchr path.
#define KRT_AVX2 __attribute__((target("avx2")))
KRT_AVX2 inline __m256i bytes_equal(const char* data, size_t at, char byte) {
  return _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + at)),
                           _mm256_set1_epi8(byte));
}

KRT_AVX2 size_t find_collection_avx2(const char* data, size_t at, size_t size) {
  for (; at + 32 + 3 <= size; at += 32) {
    const __m256i gc = _mm256_and_si256(bytes_equal(data, at, 'G'), bytes_equal(data, at + 1, 'C'));
    const __m256i ol =
        _mm256_and_si256(bytes_equal(data, at + 2, 'O'), bytes_equal(data, at + 3, 'L'));
    const uint32_t found = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_and_si256(gc, ol)));
    if (found != 0) return at + static_cast<size_t>(std::countr_zero(found));
  }
  for (; at + 4 <= size; ++at)
    if (std::memcmp(data + at, "GCOL", 4) == 0) return at;
  return size;
}
#undef KRT_AVX2

size_t find_collection(const char* data, size_t at, size_t size) {
  if (isa() != Isa::kScalar) return find_collection_avx2(data, at, size);
  for (; at < size; ++at) {
    const void* found = std::memchr(data + at, 'G', size - at);
    if (!found) return size;
    at = static_cast<size_t>(static_cast<const char*>(found) - data);
    if (size - at >= 4 && std::memcmp(data + at, "GCOL", 4) == 0) return at;
  }
  return size;
}

// HDF5 1.10 trusts the global heap (where variable-length strings live: Keras's model_config,
// layer_names, ...): an object larger than its collection makes H5HG_read copy past the heap
// buffer, a zero-sized free-space entry makes the collection loader loop forever, and a
// collection that runs past the end of an in-memory image is read as zeros (which loop the
// same way). Both were found by fuzz/fuzz_h5. Walk every collection in the image the way
// H5HG__cache_heap_deserialize does and refuse the file before the library sees one of these.
// This checks the collections whose signature starts in [begin, end); `length_size` is the
// superblock's size of lengths.
void check_global_heaps(std::span<const std::byte> image, size_t length_size, size_t begin,
                        size_t end) {
  const auto byte = [&](size_t at) { return static_cast<uint8_t>(image[at]); };
  const auto decode = [&](size_t at, size_t width) {
    uint64_t value = 0;
    for (size_t i = width; i-- > 0;) value = value << 8 | byte(at + i);
    return value;
  };
  const size_t header = 8 + length_size, object_header = 8 + length_size;
  const char* data = reinterpret_cast<const char*>(image.data());
  // A signature starting before `end` may run 3 bytes past it.
  const size_t search_end = std::min(image.size(), end + 3);
  for (size_t at = begin;; ++at) {
    at = find_collection(data, at, search_end);
    if (at >= end || at + header > image.size()) break;
    if (byte(at + 4) != 1) continue;
    const std::string where = "HDF5 global heap at byte " + std::to_string(at);
    const uint64_t size = decode(at + 8, length_size);
    if (size < header || size > image.size() - at)
      throw Error(where + " claims " + std::to_string(size) +
                  " bytes, past the end of the file (corrupt file)");
    const size_t collection_end = at + static_cast<size_t>(size);
    for (size_t p = at + header; p < collection_end;) {
      if (p + object_header > collection_end) break;  // a tail too small for an object: free space
      const unsigned index = static_cast<unsigned>(decode(p, 2));
      const uint64_t object_size = decode(p + 8, length_size);
      uint64_t need = object_size;
      if (index > 0)
        need = object_size > UINT64_MAX - object_header - 7
                   ? UINT64_MAX
                   : object_header + ((object_size + 7) & ~uint64_t{7});
      if (need == 0 || need > collection_end - p ||
          (index > 0 && object_size > collection_end - p - object_header))
        throw Error(where + ": object " + std::to_string(index) + " of " +
                    std::to_string(object_size) +
                    " bytes does not fit its collection (corrupt file)");
      p += static_cast<size_t>(need);
    }
  }
}

// The global-heap check reads every byte of the image (MobileNetV2's 14.6 MB: about 1 ms): it
// runs in 1 MiB pieces on the helper threads, beside HDF5's once-per-process set-up (0.6 ms),
// which needs no file. A corrupt file gets the error
// of its first bad collection, as one pass in order would give.
void check_global_heaps_beside_library_setup(std::span<const std::byte> image) {
  // Size of lengths, from the superblock (version 0/1: byte 14; version 2/3: byte 10).
  size_t length_size = 0;
  if (image.size() >= 16) {
    const auto byte = [&](size_t at) { return static_cast<uint8_t>(image[at]); };
    length_size = byte(8) <= 1 ? byte(14) : byte(10);
  }
  // Otherwise HDF5 refuses the file itself.
  const bool checked = length_size == 2 || length_size == 4 || length_size == 8;
  constexpr size_t kPiece = size_t{1} << 20;
  const int pieces = checked ? static_cast<int>(ceil_div(static_cast<int64_t>(image.size()),
                                                         static_cast<int64_t>(kPiece)))
                             : 0;
  const HelperThreads::Busy busy;
  HelperThreads::instance().run(1 + pieces, [&](int i) {
    if (i == 0) {
      Lock lock(library_mutex());
      silence_library_errors();  // the first HDF5 call sets the library up
      return;
    }
    const size_t begin = static_cast<size_t>(i - 1) * kPiece;
    check_global_heaps(image, length_size, begin, std::min(image.size(), begin + kPiece));
  });
}

}  // namespace

class Handle {
 public:
  Handle(hid_t file, LoadOptions options, std::span<const std::byte> image = {},
         std::shared_ptr<const void> image_keeper = nullptr)
      : file_(file, H5Fclose),
        options_(std::move(options)),
        image_(image),
        image_keeper_(std::move(image_keeper)) {}
  hid_t file() const { return file_.get(); }
  const LoadOptions& options() const { return options_; }
  const Limits& limits() const { return options_.limits; }
  // Values read from this file so far (all datasets), against Limits::max_total_parameters.
  int64_t values_read = 0;  // guarded by library_mutex()

  // Opens the object at absolute `path` one link at a time, or returns an invalid Id when a link
  // is missing. Every link on the way must be a hard link: an external link would make HDF5 open
  // another file named in this one, and a soft link may lead through one; Keras files hold
  // neither. Groups on the way stay open, by path, for the next walk: a Keras file reads
  // hundreds of datasets under a few levels of groups, and each link lookup is a B-tree search.
  // Guarded by library_mutex().
  Id open(const std::string& path);
  // The group at absolute `path`, opened as open() does and then kept open with the groups on
  // the way, so that its attributes and children are read without walking the path again; -1
  // when there is no group there. Guarded by library_mutex().
  hid_t group(const std::string& path);

  // The `count` values a contiguous dataset stores at `offset` in the file image, when they can be
  // used in place, kept alive by the image's keeper: IEEE float32, little-endian as the host,
  // wholly inside the image, aligned. Null otherwise (and for images without a keeper).
  std::shared_ptr<const float> stored_floats(haddr_t offset, hid_t type, int64_t count) const;

 private:
  Id file_;
  LoadOptions options_;
  std::span<const std::byte> image_;
  std::shared_ptr<const void> image_keeper_;
  std::map<std::string, Id, std::less<>> groups_;  // after file_: closed before it
};

Id Handle::open(const std::string& path) {
  const auto open_child = [&](hid_t parent, const std::string& name, size_t end) {
    // One name lookup per link: the link's info (which fails when there is no such link), then
    // the object by the address it gives.
    H5L_info_t info;
    if (H5Lget_info(parent, name.c_str(), &info, H5P_DEFAULT) < 0) return Id(-1, H5Oclose);
    if (info.type != H5L_TYPE_HARD)
      throw Error("HDF5 link '" + path.substr(0, end) + "' is " +
                  (info.type == H5L_TYPE_SOFT ? "a soft" : "an external") +
                  " link; kerasrt follows only hard links and reads only the given file");
    return Id(H5Oopen_by_addr(parent, info.u.address), H5Oclose);
  };
  auto root = groups_.find("/");
  if (root == groups_.end())
    root = groups_.emplace("/", Id(H5Oopen(file(), "/", H5P_DEFAULT), H5Oclose)).first;
  hid_t current = root->second.get();
  size_t start = 1;
  while (true) {
    while (start < path.size() && path[start] == '/') ++start;
    if (start >= path.size()) return Id(H5Oopen(current, ".", H5P_DEFAULT), H5Oclose);
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string name = path.substr(start, end - start);
    const bool last = path.find_first_not_of('/', end) == std::string::npos;
    if (last) return open_child(current, name, end);
    const std::string prefix = path.substr(0, end);
    auto cached = groups_.find(prefix);
    if (cached == groups_.end()) {
      Id child = open_child(current, name, end);
      if (!child.valid()) return child;
      if (H5Iget_type(child.get()) != H5I_GROUP) return Id(-1, H5Oclose);  // a dataset on the way
      cached = groups_.emplace(prefix, std::move(child)).first;
    }
    current = cached->second.get();
    start = end + 1;
  }
}

hid_t Handle::group(const std::string& path) {
  if (auto cached = groups_.find(path); cached != groups_.end()) return cached->second.get();
  Id object = open(path);
  if (!object.valid() || H5Iget_type(object.get()) != H5I_GROUP) return -1;
  return groups_.emplace(path, std::move(object)).first->second.get();
}

namespace {

// Guarded by library_mutex(), as everything below that takes an hid_t.
bool attribute_exists(hid_t object, const std::string& name) {
  return H5Aexists(object, name.c_str()) > 0;
}

// A string attribute of `object` (see Group::string_attribute); `where` names it in errors.
std::vector<std::string> read_string_attribute(hid_t object, const std::string& name,
                                               const std::string& where, const Limits& limits) {
  Id attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw Error("cannot open " + where);
  Id file_type(H5Aget_type(attr.get()), H5Tclose);
  Id space(H5Aget_space(attr.get()), H5Sclose);
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  const uint64_t max_bytes = limits.max_string_bytes;
  if (points < 0) throw Error(where + " has a bad size");
  check_limit(points, max_bytes, "max_string_bytes", where, "strings");
  // Keras writes an empty list (a layer without weights) as an empty float array.
  if (points == 0) return {};
  if (!file_type.valid() || H5Tget_class(file_type.get()) != H5T_STRING)
    throw Error(where + " is not a string");
  const size_t count = static_cast<size_t>(points);
  std::vector<std::string> out;
  out.reserve(count);

  if (H5Tis_variable_str(file_type.get()) > 0) {
    Id mem_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem_type.get(), H5T_VARIABLE);
    // HDF5 1.10 will not convert between ASCII and UTF-8: read in the file's character set.
    H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get()));
    std::vector<char*> strings(count, nullptr);
    if (H5Aread(attr.get(), mem_type.get(), strings.data()) < 0)
      throw Error("cannot read " + where);
    size_t total = 0;
    for (char* s : strings) {
      const size_t length = s ? std::strlen(s) : 0;
      total += length;
      out.emplace_back(s ? s : "", length);
    }
    H5Dvlen_reclaim(mem_type.get(), space.get(), H5P_DEFAULT, strings.data());
    check_limit(total, max_bytes, "max_string_bytes", where, "bytes");
    return out;
  }

  const size_t width = H5Tget_size(file_type.get());
  if (width == 0) throw Error(where + " has a bad size");
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(uint64_t{width}, uint64_t{count}, &bytes)) bytes = UINT64_MAX;
  check_limit(bytes, max_bytes, "max_string_bytes", where, "bytes");
  Id mem_type(H5Tcopy(file_type.get()), H5Tclose);
  std::vector<char> buffer(width * count);
  if (H5Aread(attr.get(), mem_type.get(), buffer.data()) < 0) throw Error("cannot read " + where);
  for (size_t i = 0; i < count; ++i) {
    const char* s = buffer.data() + i * width;
    out.emplace_back(s, strnlen(s, width));
  }
  return out;
}

}  // namespace

Group::Group(std::shared_ptr<Handle> handle, std::string path, hid_t object)
    : handle_(std::move(handle)), path_(std::move(path)), object_(object) {}

const LoadOptions& Group::options() const { return handle_->options(); }

bool Group::has_attribute(const std::string& name) const {
  Lock lock(library_mutex());
  return attribute_exists(object_, name);
}

std::vector<std::string> Group::string_attribute(const std::string& name) const {
  Lock lock(library_mutex());
  return read_string_attribute(object_, name, "HDF5 attribute '" + name + "' of '" + path_ + "'",
                               handle_->limits());
}

std::string Group::string_attribute_or_empty(const std::string& name) const {
  if (!has_attribute(name)) return {};
  auto values = string_attribute(name);
  return values.empty() ? std::string() : values.front();
}

std::optional<std::vector<std::string>> Group::chunked_string_attribute(
    const std::string& name) const {
  if (has_attribute(name)) return string_attribute(name);
  if (!has_attribute(name + "0")) return std::nullopt;
  std::vector<std::string> all;
  uint64_t total = 0;
  for (int chunk = 0; has_attribute(name + std::to_string(chunk)); ++chunk) {
    auto part = string_attribute(name + std::to_string(chunk));
    for (const std::string& s : part) total += s.size();
    check_limit(total, handle_->limits().max_string_bytes, "max_string_bytes",
                "HDF5 attribute '" + name + "0..' of '" + path_ + "'", "bytes");
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

std::vector<std::string> Group::children() const {
  Lock lock(library_mutex());
  H5G_info_t info;
  if (H5Gget_info(object_, &info) < 0) throw Error("cannot list HDF5 group '" + path_ + "'");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t length =
        H5Lget_name_by_idx(object_, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (length < 0 || length > 65535) throw Error("bad link name in HDF5 group '" + path_ + "'");
    std::string name(static_cast<size_t>(length) + 1, '\0');
    H5Lget_name_by_idx(object_, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<size_t>(length));
    names.push_back(std::move(name));
  }
  return names;
}

bool Group::has_group(const std::string& relative_path) const {
  Lock lock(library_mutex());
  return handle_->group(join(path_, relative_path)) >= 0;
}

std::optional<Group> Group::find_group(const std::string& relative_path) const {
  Lock lock(library_mutex());
  std::string path = join(path_, relative_path);
  const hid_t object = handle_->group(path);
  if (object < 0) return std::nullopt;
  return Group(handle_, std::move(path), object);
}

Group Group::group(const std::string& relative_path) const {
  std::optional<Group> found = find_group(relative_path);
  if (!found) throw Error("HDF5 group '" + join(path_, relative_path) + "' is missing");
  return *found;
}

std::shared_ptr<const float> Handle::stored_floats(haddr_t offset, hid_t type,
                                                   int64_t count) const {
  if (!image_keeper_ || std::endian::native != std::endian::little ||
      H5Tequal(type, H5T_IEEE_F32LE) <= 0)
    return nullptr;
  // The image starts with the superblock (has_signature), so file addresses are image offsets.
  const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(float);
  if (offset == HADDR_UNDEF || offset > image_.size() || bytes > image_.size() - offset)
    return nullptr;
  const std::byte* stored = image_.data() + offset;
  if (reinterpret_cast<uintptr_t>(stored) % alignof(float) != 0) return nullptr;
  return std::shared_ptr<const float>(image_keeper_, reinterpret_cast<const float*>(stored));
}

Array Group::dataset(const std::string& relative_path) const {
  Lock lock(library_mutex());
  const std::string path = join(path_, relative_path);
  const std::string where = "HDF5 dataset '" + path + "'";
  const Id dataset = handle_->open(path);
  if (!dataset.valid() || H5Iget_type(dataset.get()) != H5I_DATASET)
    throw Error(where + " is missing");
  Id type(H5Dget_type(dataset.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  const size_t value_bytes = H5Tget_size(type.get());
  // h5py has no bfloat16: it stores ml_dtypes' bfloat16 arrays (NumPy kind 'V') as 2-byte opaque
  // values. Keras 3's .weights.h5 marks them with a dtype="bfloat16" attribute; its legacy .h5
  // writer does not, and Keras's own loader takes any 2-byte opaque value as bfloat16.
  const bool bfloat16 = type_class == H5T_OPAQUE;
  if (bfloat16) {
    if (value_bytes != 2)
      throw Error(where + " holds " + std::to_string(value_bytes) +
                  "-byte opaque values; kerasrt reads opaque data only as the 2-byte bfloat16 "
                  "Keras writes");
    if (attribute_exists(dataset.get(), "dtype")) {
      const auto values = read_string_attribute(
          dataset.get(), "dtype", "HDF5 attribute 'dtype' of '" + path + "'", handle_->limits());
      const std::string marked = values.empty() ? std::string() : values.front();
      if (marked != "bfloat16")
        throw Error(where + " holds 2-byte opaque values marked dtype '" + marked +
                    "'; kerasrt reads opaque data only as bfloat16");
    }
  } else if (type_class != H5T_FLOAT && type_class != H5T_INTEGER) {
    throw Error(where + " does not hold numbers (HDF5 type class " + std::to_string(type_class) +
                ")");
  }
  if (value_bytes == 0 || value_bytes > 16) throw Error(where + " has an unsupported number type");
  Id space(H5Dget_space(dataset.get()), H5Sclose);
  const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
  if (space_class != H5S_SIMPLE && space_class != H5S_SCALAR)
    throw Error(where + " has no data space");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 32) throw Error(where + " has an unsupported rank");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    throw Error(where + " has a bad shape");
  Array array;
  array.name = relative_path;
  for (hsize_t d : dims) {
    if (d > static_cast<hsize_t>(kMaxTensorElements))
      throw Error(where + " has a dimension that is too large");
    array.shape.push_back(static_cast<int64_t>(d));
  }
  // Sizes first, allocation after.
  const Limits& limits = handle_->limits();
  const int64_t count = check_tensor_elements(array.shape, limits, where);
  check_limit(handle_->values_read + count, limits.max_total_parameters, "max_total_parameters",
              "the number of weight values read from the file (at " + where + ")");
  // Only data stored in this file: no external raw-data files, no virtual datasets (both make
  // HDF5 read other files). A contiguous or compact dataset must hold all its bytes; a chunked
  // one must hold some (Keras writes every value; compressed chunks may be much smaller).
  // HDF5 gives a dataset an offset in the file only when it is contiguous and stored there, the
  // common case, which needs no copy of its creation properties (a tenth of a MobileNetV2 load).
  const haddr_t offset = H5Dget_offset(dataset.get());
  H5D_layout_t layout = H5D_CONTIGUOUS;
  if (offset == HADDR_UNDEF) {
    Id create(H5Dget_create_plist(dataset.get()), H5Pclose);
    if (!create.valid()) throw Error("cannot read " + where + " (corrupt)");
    layout = H5Pget_layout(create.get());
    if (H5Pget_external_count(create.get()) != 0 ||
        (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED))
      throw Error(where +
                  " keeps its data outside the file (external or virtual storage); kerasrt reads "
                  "only the given file");
  }
  if (count > 0) {
    const uint64_t stored = H5Dget_storage_size(dataset.get());
    const uint64_t needed = static_cast<uint64_t>(count) * value_bytes;
    if (layout == H5D_CHUNKED ? stored == 0 : stored < needed)
      throw Error(where + " is truncated or holds no data (" + std::to_string(stored) + " of " +
                  std::to_string(needed) + " bytes stored)");
  }
  handle_->values_read += count;
  if (offset != HADDR_UNDEF && count > 0 && !bfloat16)
    array.in_file = handle_->stored_floats(offset, type.get(), count);
  if (array.in_file) {
    if (handle_->options().reject_non_finite_weights) check_finite(array.floats(), where);
    return array;
  }
  reserve_large(array.values, static_cast<size_t>(count));
  array.values.resize(static_cast<size_t>(count));
  if (bfloat16) {
    // HDF5 converts no opaque type: read the raw bytes (ml_dtypes' little-endian layout) and
    // widen them, which is exact: bfloat16 is the top half of a float32.
    std::vector<uint8_t> raw(static_cast<size_t>(count) * 2);
    if (count > 0 &&
        H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
      throw Error("cannot read " + where + " (corrupt or unsupported storage)");
    for (size_t i = 0; i < array.values.size(); ++i)
      array.values[i] = bfloat16_to_float(static_cast<uint16_t>(raw[2 * i] | raw[2 * i + 1] << 8));
  } else if (count > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                  array.values.data()) < 0) {
    throw Error("cannot read " + where + " (corrupt or unsupported storage)");
  }
  if (handle_->options().reject_non_finite_weights) check_finite(array.values, where);
  return array;
}

File File::open(const std::string& path) {
  Lock lock(library_mutex());
  silence_library_errors();
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw Error("cannot open as HDF5 (corrupt or truncated file)");
  return File::with_root(std::make_shared<Handle>(file, LoadOptions{}));
}

File File::open_memory(std::span<const std::byte> bytes, const std::string& name,
                       const LoadOptions& options, std::shared_ptr<const void> keeper) {
  check_limit(bytes.size(), options.limits.max_file_bytes, "max_file_bytes",
              "the HDF5 data '" + name + "'", "bytes");
  check_global_heaps_beside_library_setup(bytes);
  Lock lock(library_mutex());
  // HDF5 reads the caller's bytes in place: they outlive the File, which every reader closes
  // before it returns. A copy of a 100 MB file was a fifth of ResNet50's load time.
  // HDF5 treats two open files with the same name as one: make the name unique per image.
  static uint64_t images_opened = 0;  // guarded by library_mutex()
  const hid_t file = open_image_in_place(bytes.data(), bytes.size(),
                                         name + "#image" + std::to_string(++images_opened));
  if (file < 0) throw Error("cannot open as HDF5 (corrupt or truncated data)");
  return File::with_root(std::make_shared<Handle>(file, options, bytes, std::move(keeper)));
}

std::shared_ptr<const void> File::open_file() const { return root_.handle_; }

File File::with_root(std::shared_ptr<Handle> handle) {
  const hid_t root = handle->group("/");
  if (root < 0) throw Error("cannot open the HDF5 root group (corrupt file)");
  return File(Group(std::move(handle), "/", root));
}

bool has_signature(std::span<const std::byte> head) {
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  return head.size() >= 8 && std::memcmp(head.data(), kSignature, 8) == 0;
}

}  // namespace kerasrt::h5

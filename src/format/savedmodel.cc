// tf.keras SavedModel directories (`model.save("dir")` in TensorFlow 2.x), read without
// TensorFlow:
//   keras_metadata.pb              SavedMetadata (tf_keras/protobuf/saved_metadata.proto): one
//                                  node per Keras object, with its path in the object graph
//                                  ("root.layer_with_weights-0") and JSON metadata; the root
//                                  node carries model_config and keras_version.
//   variables/variables.index      the tensor-bundle index: a LevelDB-format table mapping "" to
//                                  a BundleHeaderProto and each checkpoint key to a
//                                  BundleEntryProto (dtype, shape, shard, offset, size, crc32c).
//   variables/variables.data-NNNNN-of-MMMMM   the tensor bytes.
// The checkpoint key "_CHECKPOINTABLE_OBJECT_GRAPH" holds a serialized TrackableObjectGraph;
// following a layer's node path through it gives the layer's object, whose `variables` child
// (tf_keras/saving/legacy/saved_model/save_impl.py: wrap_layer_objects) lists `layer.variables`
// in Keras order, each with the checkpoint key of its value.
// saved_model.pb itself (the TensorFlow graph and functions) is not needed and not read.
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "core/half_float.h"
#include "core/limits.h"
#include "format/proto/savedmodel.pb.h"
#include "format/readers.h"
#include "spec/config_reader.h"
#include "spec/legacy_upgrade.h"

namespace kerasrt {
namespace {

namespace fs = std::filesystem;
namespace tfp = tfproto;

constexpr const char* kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";
constexpr const char* kIndexName = "variables/variables.index";

// --- CRC-32C (Castagnoli), as TensorFlow checks tensor data, with its masking ----------------

uint32_t crc32c_extend(uint32_t crc, const unsigned char* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

// --- files -------------------------------------------------------------------------------

uint64_t file_size_of(const fs::path& path, const std::string& label) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error("the SavedModel has no " + label);
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error("cannot read " + label);
  return size;
}

std::string read_range(const fs::path& path, const std::string& label, uint64_t offset,
                       uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + label);
  std::string out(size, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  if (size > 0 && !in.read(out.data(), static_cast<std::streamsize>(size)))
    throw Error("cannot read " + std::to_string(size) + " bytes at offset " +
                std::to_string(offset) + " of " + label);
  return out;
}

// LevelDB reads the index through this, from memory.
class MemoryFile : public leveldb::RandomAccessFile {
 public:
  explicit MemoryFile(const std::string& bytes) : bytes_(bytes) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* /*scratch*/) const override {
    if (offset > bytes_.size()) {
      *result = leveldb::Slice();
      return leveldb::Status::IOError("read past the end of the file");
    }
    *result = leveldb::Slice(bytes_.data() + offset, std::min<uint64_t>(n, bytes_.size() - offset));
    return leveldb::Status::OK();
  }

 private:
  const std::string& bytes_;
};

// --- the checkpoint ------------------------------------------------------------------------

class Checkpoint {
 public:
  Checkpoint(const fs::path& dir, const Limits& limits) : dir_(dir), limits_(limits) {
    const fs::path index_path = dir / kIndexName;
    if (!fs::exists(dir / "variables"))
      throw Error("the SavedModel has no variables/ directory (its weights are missing)");
    const uint64_t size = file_size_of(index_path, kIndexName);
    check_limit(size, limits.max_file_bytes, "max_file_bytes", kIndexName, "bytes");
    const std::string bytes = read_range(index_path, kIndexName, 0, size);
    MemoryFile file(bytes);
    leveldb::Options options;
    options.paranoid_checks = true;
    leveldb::Table* raw = nullptr;
    const leveldb::Status opened = leveldb::Table::Open(options, &file, size, &raw);
    if (!opened.ok())
      throw Error(std::string(kIndexName) +
                  " is not a valid tensor-bundle index: " + opened.ToString());
    std::unique_ptr<leveldb::Table> table(raw);
    leveldb::ReadOptions read_options;
    read_options.verify_checksums = true;
    std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read_options));
    bool has_header = false;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      const leveldb::Slice value = it->value();
      if (key.empty()) {
        tfp::BundleHeaderProto header;
        if (!header.ParseFromArray(value.data(), static_cast<int>(value.size())))
          throw Error(std::string(kIndexName) + ": the bundle header is not parseable");
        if (header.endianness() != tfp::BundleHeaderProto::LITTLE)
          throw Error(std::string(kIndexName) + ": big-endian checkpoints are not supported");
        if (header.num_shards() < 1 || header.num_shards() > 99999)
          throw Error(std::string(kIndexName) + ": invalid number of data shards " +
                      std::to_string(header.num_shards()));
        num_shards_ = header.num_shards();
        has_header = true;
        continue;
      }
      check_limit(key.size(), limits.max_name_bytes, "max_name_bytes",
                  std::string("a checkpoint key in ") + kIndexName, "bytes");
      tfp::BundleEntryProto entry;
      if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size())))
        throw Error(std::string(kIndexName) + ": the entry of '" + key + "' is not parseable");
      entries_.emplace(key, std::move(entry));
    }
    if (!it->status().ok())
      throw Error(std::string(kIndexName) + " is corrupt: " + it->status().ToString());
    if (!has_header) throw Error(std::string(kIndexName) + " has no bundle header");
  }

  bool has(const std::string& key) const { return entries_.count(key) != 0; }

  // The raw bytes of a tensor, checked against the data file and the entry's crc32c.
  // String tensors have their own checksum (see scalar_string): pass check_crc = false.
  std::string bytes_of(const std::string& key, const std::string& owner,
                       bool check_crc = true) const {
    const tfp::BundleEntryProto& entry = entry_of(key, owner);
    if (entry.slices_size() > 0)
      throw Error("checkpoint key '" + key + "' is a partitioned variable (not supported)", owner);
    if (entry.shard_id() < 0 || entry.shard_id() >= num_shards_)
      throw Error("checkpoint key '" + key + "' names data shard " +
                      std::to_string(entry.shard_id()) + " of " + std::to_string(num_shards_),
                  owner);
    char name[64];
    std::snprintf(name, sizeof name, "variables/variables.data-%05d-of-%05d", entry.shard_id(),
                  num_shards_);
    const std::string label = name;
    const uint64_t file_size = file_size_of(dir_ / label, label);
    check_limit(file_size, limits_.max_file_bytes, "max_file_bytes", label, "bytes");
    if (entry.offset() < 0 || entry.size() < 0 ||
        static_cast<uint64_t>(entry.offset()) > file_size ||
        static_cast<uint64_t>(entry.size()) > file_size - static_cast<uint64_t>(entry.offset()))
      throw Error(label + ": checkpoint key '" + key + "' says " + std::to_string(entry.size()) +
                      " bytes at offset " + std::to_string(entry.offset()) + ", past the end (" +
                      std::to_string(file_size) + " bytes)",
                  owner);
    std::string bytes = read_range(dir_ / label, label, static_cast<uint64_t>(entry.offset()),
                                   static_cast<uint64_t>(entry.size()));
    if (check_crc &&
        crc32c_mask(crc32c_extend(0, reinterpret_cast<const unsigned char*>(bytes.data()),
                                  bytes.size())) != entry.crc32c())
      throw Error(label + ": the data of checkpoint key '" + key + "' fails its crc32c check",
                  owner);
    return bytes;
  }

  // A float tensor (float32/float64/float16/bfloat16 on disk), shape-checked.
  Array tensor(const std::string& key, const std::string& owner) const {
    const tfp::BundleEntryProto& entry = entry_of(key, owner);
    Array array;
    array.name = key;
    if (entry.shape().unknown_rank())
      throw Error("checkpoint key '" + key + "' has an unknown rank", owner);
    int64_t elements = 1;
    for (const auto& dim : entry.shape().dim()) {
      if (dim.size() < 0)
        throw Error("checkpoint key '" + key + "' has a negative dimension", owner);
      if (dim.size() > 0 && elements > limits_.max_tensor_elements / dim.size())
        check_limit(limits_.max_tensor_elements + 1, limits_.max_tensor_elements,
                    "max_tensor_elements", "checkpoint key '" + key + "'", "elements");
      elements *= dim.size();
      array.shape.push_back(dim.size());
    }
    check_limit(elements, limits_.max_tensor_elements, "max_tensor_elements",
                "checkpoint key '" + key + "'", "elements");
    // TensorFlow DataType -> bytes per value; integers (a Normalization layer's count) too.
    int item = 0;
    bool integer = false, bfloat16 = false;
    switch (entry.dtype()) {
      case 1:
        item = 4;
        break;  // DT_FLOAT
      case 2:
        item = 8;
        break;  // DT_DOUBLE
      case 19:
        item = 2;
        break;  // DT_HALF
      case 14:
        item = 2, bfloat16 = true;
        break;  // DT_BFLOAT16: the top half of a float32 (a "bfloat16" policy's variables)
      case 3:
        item = 4, integer = true;
        break;  // DT_INT32
      case 9:
        item = 8, integer = true;
        break;  // DT_INT64
      default:
        throw Error("checkpoint key '" + key + "' has TensorFlow dtype " +
                        std::to_string(entry.dtype()) +
                        "; only float16/32/64, bfloat16 and int32/64 weights are read",
                    owner);
    }
    if (entry.size() != elements * item)
      throw Error("checkpoint key '" + key + "' holds " + std::to_string(entry.size()) +
                      " bytes; its shape and dtype need " + std::to_string(elements * item),
                  owner);
    const std::string bytes = bytes_of(key, owner);
    array.values.resize(static_cast<size_t>(elements));
    for (int64_t i = 0; i < elements; ++i) {
      const char* p = bytes.data() + i * item;
      if (integer && item == 4) {
        int32_t v;
        std::memcpy(&v, p, 4);
        array.values[i] = static_cast<float>(v);
      } else if (integer) {
        int64_t v;
        std::memcpy(&v, p, 8);
        array.values[i] = static_cast<float>(v);
      } else if (item == 4) {
        std::memcpy(&array.values[i], p, 4);
      } else if (item == 8) {
        double d;
        std::memcpy(&d, p, 8);
        array.values[i] = static_cast<float>(d);
      } else {
        uint16_t h;
        std::memcpy(&h, p, 2);
        array.values[i] = bfloat16 ? bfloat16_to_float(h) : half_to_float(h);
      }
    }
    return array;
  }

  // A scalar DT_STRING tensor, decoded as tensor_bundle.cc's WriteStringTensor writes it:
  // [varint64 length][masked crc32c of the length][bytes].
  std::string scalar_string(const std::string& key) const {
    const tfp::BundleEntryProto& entry = entry_of(key, "");
    if (entry.dtype() != 7 || entry.shape().dim_size() != 0)
      throw Error(std::string(kIndexName) + ": '" + key + "' is not a scalar string");
    const std::string bytes = bytes_of(key, "", false);
    uint64_t length = 0;
    size_t pos = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= bytes.size() || shift > 63)
        throw Error(std::string(kIndexName) + ": '" + key + "' has a malformed string length");
      const auto b = static_cast<unsigned char>(bytes[pos++]);
      length |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) break;
    }
    if (bytes.size() - pos < 4 || length != bytes.size() - pos - 4)
      throw Error(std::string(kIndexName) + ": '" + key + "' has an inconsistent string length");
    // The checksum covers the length as a uint32 (lengths up to 4 GiB; larger as a uint64), the
    // masked length checksum, then the bytes.
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    unsigned char length_bytes[8];
    for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<unsigned char>(length >> (8 * i));
    uint32_t crc = crc32c_extend(0, length_bytes, length <= UINT32_MAX ? 4 : 8);
    uint32_t stored_length_crc;
    std::memcpy(&stored_length_crc, data + pos, 4);
    if (stored_length_crc != crc32c_mask(crc))
      throw Error(std::string(kIndexName) + ": the length checksum of '" + key + "' is wrong");
    crc = crc32c_extend(crc, data + pos, 4);
    crc = crc32c_extend(crc, data + pos + 4, length);
    if (crc32c_mask(crc) != entry.crc32c())
      throw Error("the data of checkpoint key '" + key + "' fails its crc32c check");
    return bytes.substr(pos + 4);
  }

 private:
  const tfp::BundleEntryProto& entry_of(const std::string& key, const std::string& owner) const {
    auto it = entries_.find(key);
    if (it == entries_.end())
      throw Error(std::string(kIndexName) + " has no checkpoint key '" + key + "'", owner);
    return it->second;
  }

  fs::path dir_;
  const Limits& limits_;
  int num_shards_ = 1;
  std::map<std::string, tfp::BundleEntryProto> entries_;
};

// --- the object graph ----------------------------------------------------------------------

using ObjectGraph = tfp::TrackableObjectGraph;

const ObjectGraph::TrackableObject& node_at(const ObjectGraph& graph, int id) {
  if (id < 0 || id >= graph.nodes_size())
    throw Error("the checkpoint's object graph refers to node " + std::to_string(id) + " of " +
                std::to_string(graph.nodes_size()));
  return graph.nodes(id);
}

int child_of(const ObjectGraph& graph, int id, const std::string& name) {
  for (const auto& ref : node_at(graph, id).children())
    if (ref.local_name() == name) return ref.node_id();
  return -1;
}

// The checkpoint key of a variable's value, or "" when `id` is not a variable.
std::string variable_key(const ObjectGraph& graph, int id) {
  for (const auto& attribute : node_at(graph, id).attributes())
    if (attribute.name() == "VARIABLE_VALUE") return attribute.checkpoint_key();
  return "";
}

// A layer's variables in `layer.weights` order: its `variables` list when the SavedModel has
// one, else (saved with save_traces=False) its own variables in tracking order followed by those
// of the sub-objects Keras layers keep their weights in.
// `seen` holds the nodes already visited (variables and sub-objects), so a hostile graph with
// cycles or shared children is walked once.
void collect_variables(const ObjectGraph& graph, int id, std::vector<std::string>& keys,
                       std::set<int>& seen, int depth) {
  if (depth > 64) throw Error("the checkpoint's object graph is nested too deeply");
  if (!seen.insert(id).second) return;
  const int list = child_of(graph, id, "variables");
  if (list >= 0) {
    std::map<std::string, int> items;  // "0", "1", ... -> node
    for (const auto& ref : node_at(graph, list).children())
      items.emplace(ref.local_name(), ref.node_id());
    for (size_t i = 0; i < items.size(); ++i) {
      auto item = items.find(std::to_string(i));
      if (item == items.end())
        throw Error("the layer's variables list has no item " + std::to_string(i));
      const int var = item->second;
      const std::string key = variable_key(graph, var);
      if (key.empty())
        throw Error("item " + std::to_string(i) +
                    " of the layer's variables list "
                    "is not a variable");
      if (seen.insert(var).second) keys.push_back(key);
    }
    return;
  }
  static const std::set<std::string> kSubObjects = {
      "cell",         "forward_layer", "backward_layer", "layer",         "cells",
      "_query_dense", "_key_dense",    "_value_dense",   "_output_dense", "inner_layer"};
  for (const auto& ref : node_at(graph, id).children()) {
    const std::string key = variable_key(graph, ref.node_id());
    if (!key.empty()) {
      if (seen.insert(ref.node_id()).second) keys.push_back(key);
    }
  }
  for (const auto& ref : node_at(graph, id).children()) {
    const bool numbered = !ref.local_name().empty() &&
                          ref.local_name().find_first_not_of("0123456789") == std::string::npos;
    if (kSubObjects.count(ref.local_name()) || numbered)
      if (variable_key(graph, ref.node_id()).empty())
        collect_variables(graph, ref.node_id(), keys, seen, depth + 1);
  }
}

// --- keras_metadata.pb -------------------------------------------------------------------

struct MetaNode {
  std::string path;
  std::string identifier;
  Json metadata;
};

int walk_path(const ObjectGraph& graph, const std::string& path) {
  // "root.layer_with_weights-0.cell" -> follow the names after "root".
  int id = 0;
  size_t start = path.find('.');
  while (start != std::string::npos) {
    const size_t end = path.find('.', start + 1);
    const std::string name =
        path.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    id = child_of(graph, id, name);
    if (id < 0)
      throw Error("keras_metadata.pb names object '" + path +
                  "', which the checkpoint's object graph does not have");
    start = end;
  }
  return id;
}

class Attacher {
 public:
  Attacher(const std::vector<MetaNode>& nodes, const ObjectGraph& graph, const Checkpoint& ckpt,
           const Limits& limits)
      : graph_(graph), ckpt_(ckpt), limits_(limits) {
    // (path of the parent object, layer name) -> the layer's node; the first one wins.
    for (const MetaNode& node : nodes) {
      const size_t dot = node.path.rfind('.');
      if (dot == std::string::npos || !node.metadata.is_object()) continue;
      const auto name = node.metadata.find("name");
      if (name == node.metadata.end() || !name->is_string()) continue;
      by_parent_.emplace(std::make_pair(node.path.substr(0, dot), name->get<std::string>()), &node);
    }
  }

  // Weights of the layers of the model whose object path is `model_path`.
  void attach(ModelSpec& model, const std::string& model_path, int depth) {
    if (depth > 32) throw Error("models are nested too deeply");
    for (LayerSpec& layer : model.layers) {
      const auto it = by_parent_.find(std::make_pair(model_path, layer.name));
      if (it == by_parent_.end()) continue;  // a Sequential's InputLayer, or no such object
      const MetaNode* found = it->second;
      try {
        if (layer.model) {
          attach(*layer.model, found->path, depth + 1);
          continue;
        }
        const int id = walk_path(graph_, found->path);
        std::vector<std::string> keys;
        std::set<int> seen;
        collect_variables(graph_, id, keys, seen, 0);
        layer.weights.clear();
        for (const std::string& key : keys) {
          layer.weights.push_back(ckpt_.tensor(key, layer.name));
          parameters_ += static_cast<int64_t>(layer.weights.back().values.size());
          check_limit(parameters_, limits_.max_total_parameters, "max_total_parameters",
                      "the model's weights", "values");
        }
      } catch (const Error& e) {
        throw e.in_layer(layer.name);
      }
    }
  }

 private:
  std::map<std::pair<std::string, std::string>, const MetaNode*> by_parent_;
  const ObjectGraph& graph_;
  const Checkpoint& ckpt_;
  const Limits& limits_;
  int64_t parameters_ = 0;
};

}  // namespace

LoadedSpec read_savedmodel_dir(const std::string& path, const LoadOptions& options) {
  const Limits& limits = options.limits;
  const fs::path dir(path);
  if (!fs::exists(dir / "saved_model.pb"))
    throw Error("the directory has no saved_model.pb; not a SavedModel");
  if (!fs::exists(dir / "keras_metadata.pb"))
    throw Error(
        "this SavedModel has no keras_metadata.pb: it is a plain TensorFlow graph (tf.saved_model"
        ".save, or Keras 3 model.export), not a tf.keras model; kerasrt needs the Keras "
        "architecture (save with tf.keras model.save(\"dir\"), or as .keras / .h5)");
  const uint64_t meta_size = file_size_of(dir / "keras_metadata.pb", "keras_metadata.pb");
  check_limit(meta_size, limits.max_file_bytes, "max_file_bytes", "keras_metadata.pb", "bytes");
  const std::string meta_bytes =
      read_range(dir / "keras_metadata.pb", "keras_metadata.pb", 0, meta_size);
  tfp::SavedMetadata saved;
  if (!saved.ParseFromString(meta_bytes))
    throw Error("keras_metadata.pb is not a valid SavedMetadata protobuf");
  std::vector<MetaNode> nodes;
  const MetaNode* root = nullptr;
  for (const tfp::SavedObject& object : saved.nodes()) {
    check_limit(object.metadata().size(), limits.max_json_bytes, "max_json_bytes",
                "the metadata of '" + object.node_path() + "' in keras_metadata.pb", "bytes");
    MetaNode node{object.node_path(), object.identifier(), Json()};
    if (!object.metadata().empty())
      node.metadata =
          parse_json(object.metadata(),
                     "the metadata of '" + object.node_path() + "' in keras_metadata.pb", limits);
    nodes.push_back(std::move(node));
  }
  for (const MetaNode& node : nodes)
    if (node.path == "root") root = &node;
  if (!root) throw Error("keras_metadata.pb has no root object");
  static const std::set<std::string> kModelIds = {"_tf_keras_model", "_tf_keras_sequential",
                                                  "_tf_keras_network"};
  if (!kModelIds.count(root->identifier))
    throw Error("keras_metadata.pb: the root object is a '" + root->identifier +
                "', not a Keras model");
  const Json& meta = root->metadata;
  if (!meta.is_object()) throw Error("keras_metadata.pb: the root object has no metadata");
  Json config;
  if (meta.contains("model_config") && meta["model_config"].is_object()) {
    config = meta["model_config"];
  } else if (meta.contains("config") && meta["config"].is_object() && meta.contains("class_name")) {
    config = Json{{"class_name", meta["class_name"]}, {"config", meta["config"]}};
  } else {
    throw Error(
        "keras_metadata.pb: the model has no config (a subclassed model without get_config); "
        "kerasrt needs a Sequential or functional model");
  }
  const auto text_of = [&](const char* key) {
    return meta.contains(key) && meta[key].is_string() ? meta[key].get<std::string>()
                                                       : std::string();
  };
  LoadedSpec spec;
  spec.format = "savedmodel";
  spec.keras = parse_keras_version(text_of("keras_version"), text_of("backend"), config);
  spec.model = read_model_config(config);

  const Checkpoint checkpoint(dir, limits);
  if (!checkpoint.has(kObjectGraphKey))
    throw Error(std::string(kIndexName) + " has no object graph (" + kObjectGraphKey +
                "); not a TensorFlow 2 checkpoint");
  ObjectGraph graph;
  if (!graph.ParseFromString(checkpoint.scalar_string(kObjectGraphKey)))
    throw Error(std::string(kIndexName) + ": the object graph is not parseable");
  if (graph.nodes_size() == 0) throw Error("the checkpoint's object graph is empty");
  Attacher(nodes, graph, checkpoint, limits).attach(spec.model, "root", 0);
  upgrade_legacy(spec);
  return spec;
}

}  // namespace kerasrt

// tf.keras SavedModel directories: loading (the fixture loop in fixture_test.cc compares outputs
// with the references) and refusal of damaged or hostile directories, each with a kerasrt::Error
// naming the file and the reason. The damaged copies are made from the batch_normalization
// fixture (tools/oracle/savedmodel_writer.py): Dense then BatchNormalization.
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>

#include "format/proto/savedmodel.pb.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kGamma = "layer_with_weights-1/gamma/.ATTRIBUTES/VARIABLE_VALUE";
constexpr const char* kData = "variables/variables.data-00000-of-00001";
constexpr const char* kIndex = "variables/variables.index";

fs::path source() { return fixtures_dir() / "batch_normalization" / "model_savedmodel"; }

// A fresh copy of the fixture directory, removed at the end of the test.
class Copy {
 public:
  Copy() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("kerasrt_savedmodel_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::copy(source(), dir_, fs::copy_options::recursive);
  }
  ~Copy() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  std::string str() const { return dir_.string(); }

 private:
  fs::path dir_;
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Rewrites the tensor-bundle index with LevelDB's table builder; `edit` may change or drop
// (return false) each entry.
void rewrite_index(const fs::path& dir,
                   const std::function<bool(const std::string&, std::string&)>& edit) {
  const fs::path path = dir / kIndex;
  const std::string bytes = read_all(path);
  leveldb::Env* env = leveldb::Env::Default();
  leveldb::RandomAccessFile* in = nullptr;
  ASSERT_TRUE(env->NewRandomAccessFile(path.string(), &in).ok());
  std::unique_ptr<leveldb::RandomAccessFile> in_owner(in);
  leveldb::Table* table = nullptr;
  ASSERT_TRUE(leveldb::Table::Open(leveldb::Options(), in, bytes.size(), &table).ok());
  std::unique_ptr<leveldb::Table> table_owner(table);
  std::vector<std::pair<std::string, std::string>> entries;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string value = it->value().ToString();
    if (edit(it->key().ToString(), value)) entries.emplace_back(it->key().ToString(), value);
  }
  fs::remove(path);
  leveldb::WritableFile* out = nullptr;
  ASSERT_TRUE(env->NewWritableFile(path.string(), &out).ok());
  std::unique_ptr<leveldb::WritableFile> out_owner(out);
  leveldb::Options options;
  options.compression = leveldb::kNoCompression;
  leveldb::TableBuilder builder(options, out);
  for (const auto& [key, value] : entries) builder.Add(key, value);
  ASSERT_TRUE(builder.Finish().ok());
  ASSERT_TRUE(out->Close().ok());
}

void edit_entry(const fs::path& dir, const std::string& target,
                const std::function<void(tfproto::BundleEntryProto&)>& change) {
  rewrite_index(dir, [&](const std::string& key, std::string& value) {
    if (key != target) return true;
    tfproto::BundleEntryProto entry;
    EXPECT_TRUE(entry.ParseFromString(value));
    change(entry);
    value = entry.SerializeAsString();
    return true;
  });
}

// Loading `dir` fails with a kerasrt::Error whose reason contains every one of `parts`.
void expect_refused(const std::string& dir, std::initializer_list<std::string> parts,
                    const std::string& layer = "", const LoadOptions& options = {}) {
  try {
    Model::load(dir, options);
    ADD_FAILURE() << "loaded " << dir;
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), dir);
    for (const std::string& part : parts)
      EXPECT_NE(e.reason().find(part), std::string::npos) << e.what();
    if (!layer.empty()) {
      EXPECT_EQ(e.layer().rfind(layer, 0), 0u) << e.what();  // "name" or "name (Class)"
    }
  }
}

class SavedModel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(source())) {
      GTEST_SKIP() << "no fixture " << source();
    }
  }
};

TEST_F(SavedModel, LoadsTheDirectoryOrItsSavedModelPb) {
  const Model a = Model::load(source().string());
  EXPECT_EQ(a.summary().format, "savedmodel");
  const Model b = Model::load((source() / "saved_model.pb").string());
  const Tensor x = random_input(a.inputs()[0], 3, 7);
  EXPECT_TRUE(
      identical(a.predict(std::vector<Tensor>{x})[0], b.predict(std::vector<Tensor>{x})[0]));
}

TEST_F(SavedModel, RefusesAPlainTensorFlowGraph) {
  Copy copy;
  fs::remove(copy.dir() / "keras_metadata.pb");
  expect_refused(copy.str(), {"no keras_metadata.pb", "plain TensorFlow graph"});
}

TEST_F(SavedModel, RefusesADirectoryWithoutSavedModelPb) {
  Copy copy;
  fs::remove(copy.dir() / "saved_model.pb");
  expect_refused(copy.str(), {"no saved_model.pb"});
}

TEST_F(SavedModel, RefusesMissingVariables) {
  Copy copy;
  fs::remove_all(copy.dir() / "variables");
  expect_refused(copy.str(), {"no variables/ directory"});
}

TEST_F(SavedModel, RefusesAMissingDataShard) {
  Copy copy;
  fs::remove(copy.dir() / kData);
  expect_refused(copy.str(), {kData});
}

TEST_F(SavedModel, RefusesATruncatedIndex) {
  for (size_t keep : {size_t{0}, size_t{10}, size_t{47}, size_t{100}}) {
    Copy copy;
    const std::string bytes = read_all(copy.dir() / kIndex);
    ASSERT_GT(bytes.size(), keep);
    write_all(copy.dir() / kIndex, bytes.substr(0, keep));
    expect_refused(copy.str(), {kIndex});
  }
}

TEST_F(SavedModel, RefusesACorruptIndexAtEveryByte) {
  Copy copy;
  const std::string original = read_all(copy.dir() / kIndex);
  int refused = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    std::string bytes = original;
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
    write_all(copy.dir() / kIndex, bytes);
    try {
      Model::load(copy.str());
    } catch (const Error& e) {
      ++refused;
      EXPECT_EQ(e.file(), copy.str());
    }
  }
  // Block contents are checksummed; only the footer padding and unused handle bytes may be
  // changed without effect.
  EXPECT_GT(refused, static_cast<int>(original.size()) * 3 / 4);
}

TEST_F(SavedModel, RefusesAnOffsetPastTheEnd) {
  Copy copy;
  edit_entry(copy.dir(), kGamma, [](auto& entry) { entry.set_offset(int64_t{1} << 40); });
  expect_refused(copy.str(), {kData, kGamma, "past the end"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesANegativeOffset) {
  Copy copy;
  edit_entry(copy.dir(), kGamma, [](auto& entry) { entry.set_offset(-8); });
  expect_refused(copy.str(), {kGamma, "past the end"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesASizeThatDisagreesWithTheShape) {
  Copy copy;
  edit_entry(copy.dir(), kGamma, [](auto& entry) { entry.set_size(entry.size() + 4); });
  expect_refused(copy.str(), {kGamma, "shape and dtype need"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesCorruptTensorData) {
  Copy copy;
  std::string data = read_all(copy.dir() / kData);
  data[0] = static_cast<char>(data[0] ^ 1);  // the first tensor's first byte
  write_all(copy.dir() / kData, data);
  expect_refused(copy.str(), {"crc32c"});
}

TEST_F(SavedModel, RefusesAMissingCheckpointKey) {
  Copy copy;
  rewrite_index(copy.dir(), [](const std::string& key, std::string&) { return key != kGamma; });
  expect_refused(copy.str(), {"has no checkpoint key", kGamma}, "batch_normalization");
}

TEST_F(SavedModel, RefusesAMissingObjectGraph) {
  Copy copy;
  rewrite_index(copy.dir(), [](const std::string& key, std::string&) {
    return key != "_CHECKPOINTABLE_OBJECT_GRAPH";
  });
  expect_refused(copy.str(), {"no object graph"});
}

TEST_F(SavedModel, RefusesAWrongShape) {
  Copy copy;
  // Same number of values, different shape: the layer refuses it.
  edit_entry(copy.dir(), kGamma, [](auto& entry) {
    const int64_t n = entry.shape().dim(0).size();
    entry.mutable_shape()->mutable_dim(0)->set_size(1);
    entry.mutable_shape()->add_dim()->set_size(n);
  });
  expect_refused(copy.str(), {"must have shape (5,)", kGamma}, "batch_normalization");
}

TEST_F(SavedModel, RefusesAWrongDtype) {
  Copy copy;
  edit_entry(copy.dir(), kGamma, [](auto& entry) { entry.set_dtype(7); });  // DT_STRING
  expect_refused(copy.str(), {kGamma, "dtype 7"}, "batch_normalization");
}

TEST_F(SavedModel, ReadsBfloat16Tensors) {
  Copy copy;
  // The 5 float32 gamma values re-declared as 10 bfloat16 ones (same 20 bytes, same checksum): the
  // reader takes them, and only the layer's shape check refuses the result.
  edit_entry(copy.dir(), kGamma, [](auto& entry) {
    entry.set_dtype(14);  // DT_BFLOAT16
    entry.mutable_shape()->mutable_dim(0)->set_size(10);
  });
  expect_refused(copy.str(), {"must have shape (5,)", kGamma, "(10,)"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesAHugeShape) {
  Copy copy;
  edit_entry(copy.dir(), kGamma, [](auto& entry) {
    entry.mutable_shape()->mutable_dim(0)->set_size(int64_t{1} << 40);
    entry.mutable_shape()->add_dim()->set_size(int64_t{1} << 40);
  });
  expect_refused(copy.str(), {kGamma, "max_tensor_elements"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesAPartitionedVariable) {
  Copy copy;
  edit_entry(copy.dir(), kGamma, [](auto& entry) { entry.add_slices(); });
  expect_refused(copy.str(), {kGamma, "partitioned"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesAnObjectPathNotInTheCheckpoint) {
  Copy copy;
  tfproto::SavedMetadata metadata;
  ASSERT_TRUE(metadata.ParseFromString(read_all(copy.dir() / "keras_metadata.pb")));
  bool changed = false;
  for (auto& node : *metadata.mutable_nodes())
    if (node.node_path() == "root.layer_with_weights-1") {
      node.set_node_path("root.layer_with_weights-7");
      changed = true;
    }
  ASSERT_TRUE(changed);
  write_all(copy.dir() / "keras_metadata.pb", metadata.SerializeAsString());
  expect_refused(copy.str(), {"root.layer_with_weights-7"}, "batch_normalization");
}

TEST_F(SavedModel, RefusesALayerMissingFromTheMetadata) {
  Copy copy;
  tfproto::SavedMetadata metadata;
  ASSERT_TRUE(metadata.ParseFromString(read_all(copy.dir() / "keras_metadata.pb")));
  tfproto::SavedMetadata kept;
  for (const auto& node : metadata.nodes())
    if (node.node_path() != "root.layer_with_weights-1") *kept.add_nodes() = node;
  ASSERT_EQ(kept.nodes_size() + 1, metadata.nodes_size());
  write_all(copy.dir() / "keras_metadata.pb", kept.SerializeAsString());
  expect_refused(copy.str(), {}, "batch_normalization");
}

TEST_F(SavedModel, RefusesGarbageMetadata) {
  Copy copy;
  write_all(copy.dir() / "keras_metadata.pb", "\xff\xff\xff\xff garbage");
  expect_refused(copy.str(), {"keras_metadata.pb"});
}

TEST_F(SavedModel, RefusesANonModelRoot) {
  Copy copy;
  tfproto::SavedMetadata metadata;
  ASSERT_TRUE(metadata.ParseFromString(read_all(copy.dir() / "keras_metadata.pb")));
  for (auto& node : *metadata.mutable_nodes())
    if (node.node_path() == "root") node.set_identifier("_tf_keras_layer");
  write_all(copy.dir() / "keras_metadata.pb", metadata.SerializeAsString());
  expect_refused(copy.str(), {"not a Keras model"});
}

// Damage anywhere in keras_metadata.pb or the data shard: an Error or a model, never a crash.
TEST_F(SavedModel, SurvivesDamageInEveryFile) {
  for (const char* name : {"keras_metadata.pb", kData}) {
    Copy copy;
    const std::string original = read_all(copy.dir() / name);
    const size_t step = std::max<size_t>(1, original.size() / 400);
    for (size_t i = 0; i < original.size(); i += step) {
      for (unsigned char flip : {0x01, 0x80, 0xFF}) {
        std::string bytes = original;
        bytes[i] = static_cast<char>(bytes[i] ^ flip);
        write_all(copy.dir() / name, bytes);
        try {
          Model::load(copy.str());
        } catch (const Error& e) {
          EXPECT_EQ(e.file(), copy.str());
        }
      }
    }
  }
}

TEST_F(SavedModel, RespectsTheFileSizeLimit) {
  LoadOptions options;
  options.limits.max_file_bytes = 64;
  expect_refused(source().string(), {"max_file_bytes"}, "", options);
}

}  // namespace
}  // namespace kerasrt::test

// Format details that the fixtures do not isolate: Keras 3 weight keys, .npy parsing, 16-bit
// HDF5 weights (bit patterns at the edges of their ranges).
#include <hdf5.h>

#include <cmath>
#include <cstring>

#include "format/hdf5.h"
#include "kerasrt/npy.h"
#include "model_writer.h"
#include "spec/config_reader.h"
#include "test_util.h"

namespace kerasrt::test {
namespace {

TEST(KerasWeightKeys, SnakeCaseMatchesPythonKeras) {
  // Expected values computed with Python's `re` running keras.src.utils.naming.to_snake_case.
  const std::pair<const char*, const char*> cases[] = {
      {"Conv2D", "conv2d"},
      {"Conv2DTranspose", "conv2d_transpose"},
      {"BatchNormalization", "batch_normalization"},
      {"GlobalAveragePooling2D", "global_average_pooling2d"},
      {"SimpleRNN", "simple_rnn"},
      {"PReLU", "p_re_lu"},
      {"LSTM", "lstm"},
      {"UpSampling2D", "up_sampling2d"},
      {"ELU", "elu"},
      {"ReLU", "re_lu"},
      {"MultiHeadAttention", "multi_head_attention"},
      {"TimeDistributed", "time_distributed"},
      {"Functional", "functional"},
      {"GRU", "gru"},
      {"ConvLSTM2D", "conv_lstm2d"},
      {"DepthwiseConv2D", "depthwise_conv2d"},
      {"ThresholdedReLU", "thresholded_re_lu"},
      {"LeakyReLU", "leaky_re_lu"},
      {"SeparableConv2D", "separable_conv2d"},
      {"InputLayer", "input_layer"},
      {"CuDNNLSTM", "cu_dnnlstm"},
      {"HTTPServer2Go", "http_server2_go"},
  };
  for (const auto& [class_name, key] : cases) EXPECT_EQ(snake_case(class_name), key) << class_name;
}

std::vector<std::byte> npy_bytes(const std::string& header_dict, const void* data, size_t bytes) {
  std::string header = header_dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(data), bytes);
  std::vector<std::byte> result(out.size());
  std::memcpy(result.data(), out.data(), out.size());
  return result;
}

TEST(Npy, RoundTripFloat32) {
  const Tensor t({2, 3}, {1, 2, 3, 4, 5, 6});
  const std::string encoded = encode_npy(t);
  std::vector<std::byte> bytes(encoded.size());
  std::memcpy(bytes.data(), encoded.data(), encoded.size());
  EXPECT_TRUE(identical(parse_npy(bytes), t));
}

TEST(Npy, ConvertsOtherDtypesAndFortranOrder) {
  const double f64[] = {1.5, -2.0, 3.25, 4, 5, 6};
  const Tensor a = parse_npy(
      npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", f64, sizeof f64));
  EXPECT_EQ(a.shape(), (std::vector<int64_t>{6}));
  EXPECT_EQ(a.data()[2], 3.25f);
  const int64_t i64[] = {1, 2, 3, 4, 5, 6};  // column-major 2x3: [[1,3,5],[2,4,6]]
  const Tensor b = parse_npy(
      npy_bytes("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", i64, sizeof i64));
  EXPECT_TRUE(identical(b, Tensor({2, 3}, {1, 3, 5, 2, 4, 6})));
  const uint16_t halves[] = {0x3c00, 0xc000, 0x0001};  // 1, -2, smallest subnormal
  const Tensor c = parse_npy(npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }",
                                       halves, sizeof halves));
  EXPECT_EQ(c.data()[0], 1.0f);
  EXPECT_EQ(c.data()[1], -2.0f);
  EXPECT_FLOAT_EQ(c.data()[2], 5.9604645e-08f);
  const uint32_t big = 0x0000803f;  // 1.0f stored big-endian
  const Tensor d =
      parse_npy(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", &big, 4));
  EXPECT_EQ(d.data()[0], 1.0f);
}

TEST(Npy, ReadsTextArraysAsUtf8Strings) {
  // numpy.array([['aé', ''], ['€x', 'z']]): '<U2', UTF-32 code units zero-padded per element.
  const uint32_t unicode[] = {'a', 0xe9, 0, 0, 0x20ac, 'x', 'z', 0};
  const Tensor u = parse_npy(npy_bytes(
      "{'descr': '<U2', 'fortran_order': False, 'shape': (2, 2), }", unicode, sizeof unicode));
  EXPECT_EQ(u.dtype(), DType::kString);
  EXPECT_EQ(u.shape(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(u.strings(), (std::vector<std::string>{"a\xc3\xa9", "", "\xe2\x82\xacx", "z"}));
  // Bytes ('|S3'), column-major.
  const char bytes[] = "ab\0cde";  // ["ab", "cde"]: one row, so column-major changes nothing
  const Tensor b =
      parse_npy(npy_bytes("{'descr': '|S3', 'fortran_order': True, 'shape': (1, 2), }", bytes, 6));
  EXPECT_EQ(b.strings(), (std::vector<std::string>{"ab", "cde"}));
  // Big-endian UTF-32.
  const uint32_t big_q = 0x71000000;  // 'q'
  EXPECT_EQ(
      parse_npy(npy_bytes("{'descr': '>U1', 'fortran_order': False, 'shape': (1,), }", &big_q, 4))
          .strings(),
      (std::vector<std::string>{"q"}));
  // A surrogate is not a character.
  const uint32_t surrogate = 0xd800;
  EXPECT_THROW(parse_npy(npy_bytes("{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }",
                                   &surrogate, 4)),
               Error);
}

TEST(Npy, WritesStringTensorsAsUnicode) {
  const Tensor t = Tensor::of_strings({3}, {"naïve", "", "\xf0\x9f\x98\x80!"});
  const std::string encoded = encode_npy(t);
  EXPECT_NE(encoded.find("'descr': '<U5'"), std::string::npos);
  std::vector<std::byte> bytes(encoded.size());
  std::memcpy(bytes.data(), encoded.data(), encoded.size());
  EXPECT_TRUE(all_close(parse_npy(bytes), t, 0, 0));
  EXPECT_THROW(encode_npy(Tensor::of_strings({1}, {"\xff"})), Error);  // not UTF-8
}

TEST(Npy, RejectsMalformed) {
  const float one = 1;
  EXPECT_THROW(
      parse_npy(npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", &one, 4)),
      Error);
  EXPECT_THROW(
      parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", &one, 4)),
      Error);
  EXPECT_THROW(parse_npy(npy_bytes("{'descr': '<f4', 'shape': (99999999999999999,), }", &one, 4)),
               Error);
  EXPECT_THROW(parse_npy(npy_bytes("{'fortran_order': False}", &one, 4)), Error);
  std::vector<std::byte> junk(20, std::byte{0});
  EXPECT_THROW(parse_npy(junk), Error);
}

// Writes one 1-D dataset of `type` holding `raw` (2 bytes per value) and, unless `marker` is
// empty, the variable-length UTF-8 string attribute dtype=`marker`, as h5py writes Keras's.
void write_16bit_dataset(hid_t file, const char* name, hid_t type, const std::vector<uint16_t>& raw,
                         const std::string& marker) {
  const hsize_t count = raw.size();
  const hid_t space = H5Screate_simple(1, &count, nullptr);
  const hid_t dataset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<unsigned char> bytes;
  for (uint16_t v : raw) {  // little-endian, as ml_dtypes' arrays are on the machines Keras runs
    bytes.push_back(static_cast<unsigned char>(v & 0xff));
    bytes.push_back(static_cast<unsigned char>(v >> 8));
  }
  H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
  if (!marker.empty()) {
    const hid_t string_type = H5Tcopy(H5T_C_S1);
    H5Tset_size(string_type, H5T_VARIABLE);
    H5Tset_cset(string_type, H5T_CSET_UTF8);
    const hid_t scalar = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(dataset, "dtype", string_type, scalar, H5P_DEFAULT, H5P_DEFAULT);
    const char* text = marker.c_str();
    H5Awrite(attr, string_type, &text);
    H5Aclose(attr);
    H5Sclose(scalar);
    H5Tclose(string_type);
  }
  H5Dclose(dataset);
  H5Sclose(space);
}

float from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// One file with every 16-bit layout Keras writes, and the opaque data it never writes.
std::string sixteen_bit_file() {
  const std::string path = temp_path("sixteen_bit.h5");
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t opaque2 = H5Tcreate(H5T_OPAQUE, 2);
  // bfloat16: 1, -2.5, the smallest subnormal (2^-133), the largest finite (0x7f7f), 1/3 rounded
  const std::vector<uint16_t> bf16 = {0x3f80, 0xc020, 0x0001, 0x7f7f, 0x3eab};
  write_16bit_dataset(file, "bf16_marked", opaque2, bf16, "bfloat16");
  write_16bit_dataset(file, "bf16_legacy", opaque2, bf16, "");
  write_16bit_dataset(file, "bf16_inf", opaque2, {0x7f80}, "bfloat16");
  write_16bit_dataset(file, "marked_other", opaque2, bf16, "float8_e4m3fn");
  const hid_t opaque4 = H5Tcreate(H5T_OPAQUE, 4);
  const hsize_t one = 1;
  const hid_t space = H5Screate_simple(1, &one, nullptr);
  const hid_t wide =
      H5Dcreate2(file, "opaque4", opaque4, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const uint32_t payload = 0x3f800000;
  H5Dwrite(wide, opaque4, H5S_ALL, H5S_ALL, H5P_DEFAULT, &payload);
  H5Dclose(wide);
  H5Sclose(space);
  // IEEE half as h5py defines it (a float32 type narrowed to 1/5/10 bits, exponent bias 15):
  // 1, -1/3 rounded, the largest finite 65504, the smallest subnormal 2^-24, the smallest normal.
  const hid_t half = H5Tcopy(H5T_IEEE_F32LE);
  H5Tset_fields(half, 15, 10, 5, 0, 10);
  H5Tset_size(half, 2);
  H5Tset_ebias(half, 15);
  write_16bit_dataset(file, "f16", half, {0x3c00, 0xb555, 0x7bff, 0x0001, 0x0400}, "");
  H5Tclose(half);
  H5Tclose(opaque4);
  H5Tclose(opaque2);
  H5Fclose(file);
  return path;
}

TEST(Hdf5SixteenBit, ReadsBfloat16ExactlyWithOrWithoutTheKeras3Marker) {
  const h5::Group root = h5::File::open(sixteen_bit_file()).root();
  const std::vector<float> want = {1.0f, -2.5f, std::ldexp(1.0f, -133), from_bits(0x7f7f0000),
                                   from_bits(0x3eab0000)};
  for (const char* name : {"bf16_marked", "bf16_legacy"}) {
    const Array array = root.dataset(name);
    EXPECT_EQ(array.shape, std::vector<int64_t>{5}) << name;
    EXPECT_EQ(array.values, want) << name;
  }
  EXPECT_TRUE(std::isinf(root.dataset("bf16_inf").values.at(0)));
}

TEST(Hdf5SixteenBit, ReadsFloat16Exactly) {
  const h5::Group root = h5::File::open(sixteen_bit_file()).root();
  const std::vector<float> want = {1.0f, -0.333251953125f, 65504.0f, std::ldexp(1.0f, -24),
                                   std::ldexp(1.0f, -14)};
  EXPECT_EQ(root.dataset("f16").values, want);
}

TEST(Hdf5SixteenBit, RefusesOpaqueDataThatIsNotBfloat16) {
  const h5::Group root = h5::File::open(sixteen_bit_file()).root();
  const auto refusal = [&](const char* name) {
    try {
      root.dataset(name);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  EXPECT_NE(refusal("opaque4").find("'/opaque4' holds 4-byte opaque values"), std::string::npos)
      << refusal("opaque4");
  EXPECT_NE(refusal("marked_other").find("marked dtype 'float8_e4m3fn'"), std::string::npos)
      << refusal("marked_other");
}

// The global-heap check reads the image in 1 MiB pieces side by side (format/hdf5.cc): a bad
// collection is found in any piece, also one whose signature crosses into the next piece, and a
// file with several gets the error of the first in the file, as one pass in order would give.
std::vector<std::byte> image_with_collections(size_t size, std::initializer_list<size_t> at) {
  std::vector<std::byte> image(size);
  const unsigned char superblock[16] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n',
                                        0,    0,   0,   0,   0,    8,    8,    0};  // lengths: 8
  std::memcpy(image.data(), superblock, sizeof superblock);
  for (size_t offset : at) {
    // "GCOL", version 1, 3 reserved bytes, then a collection size of 2^40: past the end.
    const unsigned char header[16] = {'G', 'C', 'O', 'L', 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};
    std::memcpy(image.data() + offset, header, sizeof header);
  }
  return image;
}

std::string load_error(const std::vector<std::byte>& image) {
  try {
    Model::load_from_memory(image, "heaps.h5");
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(Hdf5GlobalHeapCheck, FindsACollectionInAnyPieceAndAcrossTheirBorder) {
  constexpr size_t kMiB = size_t{1} << 20;
  for (size_t at : {size_t{4096}, kMiB - 2, kMiB + 4096, 3 * kMiB - 1, 4 * kMiB - 16}) {
    const std::string error = load_error(image_with_collections(4 * kMiB, {at}));
    EXPECT_NE(error.find("HDF5 global heap at byte " + std::to_string(at) + " claims"),
              std::string::npos)
        << at << ": " << error;
  }
}

TEST(Hdf5GlobalHeapCheck, NamesTheFirstBadCollectionInTheFile) {
  constexpr size_t kMiB = size_t{1} << 20;
  for (int round = 0; round < 20; ++round) {
    const std::string error =
        load_error(image_with_collections(6 * kMiB, {5 * kMiB + 7, 2 * kMiB + 3, 4 * kMiB}));
    ASSERT_NE(error.find("HDF5 global heap at byte " + std::to_string(2 * kMiB + 3) + " "),
              std::string::npos)
        << error;
  }
}

}  // namespace
}  // namespace kerasrt::test

// Format details that the fixtures do not isolate: Keras 3 weight keys, .npy parsing.
#include <cstring>

#include "kerasrt/npy.h"
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

}  // namespace
}  // namespace kerasrt::test

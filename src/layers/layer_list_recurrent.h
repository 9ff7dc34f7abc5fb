// Built-in recurrent layers and wrappers: KERASRT_LAYER(Keras class name, factory); see
// layer_list.h.
KERASRT_LAYER(SimpleRNN, make_simple_rnn)
KERASRT_LAYER(LSTM, make_lstm)
KERASRT_LAYER(GRU, make_gru)
KERASRT_LAYER(Bidirectional, make_bidirectional)
KERASRT_LAYER(TimeDistributed, make_time_distributed)
KERASRT_LAYER(ConvLSTM1D, make_conv_lstm1d)
KERASRT_LAYER(ConvLSTM2D, make_conv_lstm2d)
KERASRT_LAYER(ConvLSTM3D, make_conv_lstm3d)
KERASRT_LAYER(RNN, make_rnn)
KERASRT_LAYER(CuDNNLSTM, make_cudnn_lstm)
KERASRT_LAYER(CuDNNGRU, make_cudnn_gru)

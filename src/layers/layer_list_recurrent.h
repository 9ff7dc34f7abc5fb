// Built-in recurrent layers and wrappers: KERASRT_LAYER(Keras class name, factory); see
// layer_list.h.
KERASRT_LAYER(SimpleRNN, make_simple_rnn)
KERASRT_LAYER(LSTM, make_lstm)
KERASRT_LAYER(GRU, make_gru)
KERASRT_LAYER(Bidirectional, make_bidirectional)
KERASRT_LAYER(TimeDistributed, make_time_distributed)

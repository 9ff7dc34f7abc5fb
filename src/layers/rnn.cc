// RNN: the generic recurrent layer around a cell, as Keras serializes RNN(cell):
//   {"class_name": "RNN", "config": {return_sequences, ..., "cell": {class_name, config}}}.
// - RNN(LSTMCell / GRUCell / SimpleRNNCell) computes exactly what LSTM / GRU / SimpleRNN with the
//   cell's options computes (those layers are RNN(cell) in Keras), so it is built as one.
// - RNN(StackedRNNCells([cell_1, ..., cell_n])) (also what RNN([cell_1, ...]) saves as): at each
//   timestep the input goes through cell_1, its output through cell_2, ...; the output is the
//   last cell's. As every cell only sees the sequence of outputs of the cell before it, this runs
//   as n recurrent layers one after the other over the whole sequence. A masked timestep leaves
//   every cell's states unchanged (each layer reads the mask); with go_backwards the first layer
//   walks the sequence backwards and returns it in that order, which the others then walk
//   forwards (reading the mask reversed too). States (return_state, initial_state) are the cells'
//   in cell order.
// Weights: the cells' weights in cell order.
#include <algorithm>

#include "layers/registry.h"
#include "layers/rnn_common.h"

namespace kerasrt {
namespace {

// The options of the RNN layer that the cell's own layer takes over.
constexpr const char* kSequenceKeys[] = {
    "return_sequences", "return_state", "go_backwards",        "stateful",
    "unroll",           "time_major",   "zero_output_for_mask"};

// The layer computing RNN(cell) for a single built-in cell class, or "" for others.
std::string layer_of_cell(const std::string& cell_class) {
  if (cell_class == "LSTMCell") return "LSTM";
  if (cell_class == "GRUCell") return "GRU";
  if (cell_class == "SimpleRNNCell") return "SimpleRNN";
  return "";
}

int state_count_of(const std::string& cell_class) { return cell_class == "LSTMCell" ? 2 : 1; }

// The cells' prepared states (their projection primitives) and each cell's input and output
// shapes, made once per plan. The cells run one after the other, so their scratch is shared,
// after the cells' own scratch.
struct EveryCell final : Prepared {
  std::vector<std::shared_ptr<const Prepared>> cells;
  std::vector<std::vector<Dims>> cell_inputs, cell_outputs;
  int64_t sequence = 0;  // the largest sequence a cell passes to the next, in floats
};

class StackedRnn final : public Layer {
 public:
  struct Cell {
    std::unique_ptr<Layer> layer;
    int states;
  };

  StackedRnn(std::vector<Cell> cells, int initial_states, bool return_sequences, bool go_backwards)
      : cells_(std::move(cells)),
        initial_states_(initial_states),
        return_sequences_(return_sequences),
        go_backwards_(go_backwards) {}

  bool consumes_masks() const override { return true; }
  MaskRule output_mask(size_t output) const override {
    return output == 0 && return_sequences_ ? MaskRule::kKeep : MaskRule::kNone;
  }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    std::vector<Dims> out;
    for_each_cell(inputs, [&](size_t c, const std::vector<Dims>&, const std::vector<Dims>& shapes) {
      if (c + 1 == cells_.size()) out.push_back(shapes[0]);
    });
    for_each_cell(inputs, [&](size_t, const std::vector<Dims>&, const std::vector<Dims>& shapes) {
      out.insert(out.end(), shapes.begin() + 1, shapes.end());
    });
    return out;
  }

  size_t scratch_floats(std::span<const Dims> inputs) const override {
    const auto every = shapes_and_cells(inputs, /*with_cells=*/false);
    size_t inner = 0;
    for (size_t c = 0; c < cells_.size(); ++c)
      inner = std::max(inner, cells_[c].layer->scratch_floats(every->cell_inputs[c]));
    const int64_t reversed_mask = has_masks(inputs.size()) ? num_elements(inputs[0]) : 0;
    return static_cast<size_t>(2 * aligned_floats(every->sequence) +
                               aligned_floats(reversed_mask)) +
           inner;
  }

  std::shared_ptr<const Prepared> prepare(std::span<const Dims> inputs) const override {
    return shapes_and_cells(inputs, /*with_cells=*/true);
  }

  void run(const RunContext& ctx) const override {
    if (ctx.prepared) return run_cells(ctx, static_cast<const EveryCell&>(*ctx.prepared), true);
    // A call outside a plan: the shapes for this call; each cell prepares itself.
    run_cells(ctx, *shapes_and_cells(input_shapes(ctx), /*with_cells=*/false), false);
  }

 private:
  std::shared_ptr<const EveryCell> shapes_and_cells(std::span<const Dims> inputs,
                                                    bool with_cells) const {
    auto every = std::make_shared<EveryCell>();
    for_each_cell(inputs, [&](size_t c, const std::vector<Dims>& in, const std::vector<Dims>& out) {
      every->cell_inputs.push_back(in);
      every->cell_outputs.push_back(out);
      if (c + 1 < cells_.size()) every->sequence = std::max(every->sequence, num_elements(out[0]));
      if (!with_cells) return;
      every->cells.push_back(cells_[c].layer->prepare(in));
      if (const Prepared* p = every->cells.back().get())
        every->scratch_floats = std::max(every->scratch_floats, p->scratch_floats);
    });
    return every;
  }

  // `planned`: the cells' prepared states come with `every` (and their scratch after ours).
  void run_cells(const RunContext& ctx, const EveryCell& every, bool planned) const {
    const size_t regular = 1 + static_cast<size_t>(initial_states_);
    const bool masked = has_masks(ctx.inputs.size());
    const int64_t batch = ctx.inputs[0].shape[0], steps = ctx.inputs[0].shape[1];

    // Scratch: two sequence buffers (one cell's output is the next one's input), the reversed
    // mask, then the cells' own scratch.
    const int64_t sequence = every.sequence;
    float* buffers[2] = {ctx.scratch, ctx.scratch + aligned_floats(sequence)};
    float* reversed_mask = buffers[1] + aligned_floats(sequence);
    float* inner_scratch = reversed_mask + (masked ? aligned_floats(batch * steps) : 0);
    if (masked && go_backwards_) {
      const float* mask = ctx.inputs[regular].data;
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = 0; t < steps; ++t)
          reversed_mask[b * steps + t] = mask[b * steps + steps - 1 - t];
    }

    const float* previous = ctx.inputs[0].data;
    size_t state_input = 1, state_output = 1;
    for (size_t c = 0; c < cells_.size(); ++c) {
      const std::vector<Dims>& in = every.cell_inputs[c];
      const std::vector<Dims>& out = every.cell_outputs[c];
      const Cell& cell = cells_[c];
      const bool last = c + 1 == cells_.size();
      std::vector<ConstTensor> inputs{{previous, in[0]}};
      for (int s = 0; s < cell.states && initial_states_ > 0; ++s)
        inputs.push_back(ctx.inputs[state_input + static_cast<size_t>(s)]);
      if (masked) {
        const float* mask = c > 0 && go_backwards_ ? reversed_mask : ctx.inputs[regular].data;
        inputs.push_back({mask, in[inputs.size()]});
        for (int s = 0; s < cell.states && initial_states_ > 0; ++s)
          inputs.push_back(ctx.inputs[regular + state_input + static_cast<size_t>(s)]);
      }
      float* first = last ? ctx.outputs[0].data : buffers[c % 2];
      std::vector<MutTensor> outputs{{first, out[0]}};
      for (size_t s = 1; s < out.size(); ++s)
        outputs.push_back({ctx.outputs[state_output++].data, out[s]});
      cell.layer->run({inputs, outputs, inner_scratch, planned ? every.cells[c].get() : nullptr});
      previous = first;
      if (initial_states_ > 0) state_input += static_cast<size_t>(cell.states);
    }
  }

  bool has_masks(size_t inputs) const {
    return inputs == 2 * (1 + static_cast<size_t>(initial_states_));
  }

  // Calls f(cell index, that cell's input shapes, its output shapes) in cell order.
  template <typename F>
  void for_each_cell(std::span<const Dims> inputs, F&& f) const {
    const size_t regular = 1 + static_cast<size_t>(initial_states_);
    if (inputs.size() != regular && inputs.size() != 2 * regular)
      throw Error("takes " + std::to_string(regular) + " input(s) (and their masks), got " +
                  std::to_string(inputs.size()));
    const bool masked = inputs.size() == 2 * regular;
    Dims sequence = inputs[0];
    size_t state = 1;
    for (size_t c = 0; c < cells_.size(); ++c) {
      const int states = initial_states_ > 0 ? cells_[c].states : 0;
      std::vector<Dims> in{sequence};
      for (int s = 0; s < states; ++s) in.push_back(inputs[state + static_cast<size_t>(s)]);
      if (masked) {
        in.push_back(inputs[regular]);
        for (int s = 0; s < states; ++s)
          in.push_back(inputs[regular + state + static_cast<size_t>(s)]);
      }
      std::vector<Dims> out;
      try {
        out = cells_[c].layer->output_shapes(in);
      } catch (const Error& e) {
        throw Error("cell " + std::to_string(c) + ": " + e.reason());
      }
      f(c, in, out);
      sequence = out[0];
      state += static_cast<size_t>(states);
    }
  }

  std::vector<Cell> cells_;
  int initial_states_;
  bool return_sequences_, go_backwards_;
};

// The config of the layer computing RNN(cell) for one cell: the cell's options and the RNN's.
Json merged_config(const InnerLayerSpec& cell, const LayerConfig& rnn) {
  Json merged = cell.config;
  for (const char* key : kSequenceKeys) {
    auto it = rnn.json().find(key);
    if (it != rnn.json().end()) merged[key] = *it;
  }
  return merged;
}

}  // namespace

std::unique_ptr<Layer> make_rnn(const BuildContext& ctx) {
  const RnnOptions options = read_rnn_flags(ctx);
  if (ctx.config.get_int("num_constants", 0) != 0)
    throw Error("config 'num_constants': RNN constants are not supported");
  const InnerLayerSpec cell = read_inner_layer(ctx.config, "cell");
  if (const std::string layer = layer_of_cell(cell.class_name); !layer.empty())
    return build_inner_layer(ctx, "cell", {layer, merged_config(cell, ctx.config)},
                             ctx.input_shapes);
  if (cell.class_name != "StackedRNNCells")
    throw Error("cell class '" + cell.class_name +
                "' is not supported (LSTMCell, GRUCell, SimpleRNNCell or StackedRNNCells of them)");

  auto cells_it = cell.config.find("cells");
  if (cells_it == cell.config.end() || !cells_it->is_array() || cells_it->empty())
    throw Error("StackedRNNCells config 'cells' must be a non-empty list of cells");
  std::vector<InnerLayerSpec> specs;
  int total_states = 0;
  for (const Json& entry : *cells_it) {
    const Json wrapped{{"cell", entry}};
    const InnerLayerSpec spec = read_inner_layer(LayerConfig(wrapped), "cell");
    if (layer_of_cell(spec.class_name).empty())
      throw Error("StackedRNNCells: cell class '" + spec.class_name +
                  "' is not supported (LSTMCell, GRUCell, SimpleRNNCell)");
    total_states += state_count_of(spec.class_name);
    specs.push_back(spec);
  }
  if (options.initial_states != 0 && options.initial_states != total_states)
    throw Error("has " + std::to_string(total_states) + " states but is called with " +
                std::to_string(options.initial_states) + " initial state(s)");

  std::vector<StackedRnn::Cell> cells;
  Dims sequence = ctx.input_shapes[0];
  size_t state = 1;
  for (size_t c = 0; c < specs.size(); ++c) {
    const bool last = c + 1 == specs.size();
    Json config = merged_config(specs[c], ctx.config);
    config["return_sequences"] = last ? options.return_sequences : true;
    config["go_backwards"] = c == 0 && options.go_backwards;
    config["zero_output_for_mask"] = last && options.zero_output_for_mask;
    const int states = state_count_of(specs[c].class_name);
    std::vector<Dims> inputs{sequence};
    for (int s = 0; s < states && options.initial_states > 0; ++s)
      inputs.push_back(ctx.input_shapes[state + static_cast<size_t>(s)]);
    std::unique_ptr<Layer> layer = build_inner_layer(
        ctx, "cell " + std::to_string(c), {layer_of_cell(specs[c].class_name), config}, inputs);
    sequence = layer->output_shapes(inputs)[0];
    cells.push_back({std::move(layer), states});
    state += static_cast<size_t>(states);
  }
  return std::make_unique<StackedRnn>(std::move(cells), options.initial_states,
                                      options.return_sequences, options.go_backwards);
}

}  // namespace kerasrt

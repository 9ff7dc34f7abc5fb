// kerasrt._kerasrt: the Python binding of kerasrt (pybind11).
//
// Copies: a C-contiguous, aligned, native float32 input is handed to the runtime as a
// kerasrt::TensorView of the NumPy buffer itself (no copy); any other input (float64,
// integers, non-contiguous, byte-swapped) is converted once to a float32 C-contiguous array.
// Each output kerasrt::Tensor is moved to the heap and becomes the buffer of the returned NumPy
// array through a capsule that deletes it (no copy).
//
// The GIL: released around every call into the runtime (load and predict), so Python threads
// run predictions in parallel; Python objects are touched only with the GIL held.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/utf8.h"
#include "kerasrt/kerasrt.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace kerasrt::python {
namespace {

#ifndef KERASRT_VERSION
#define KERASRT_VERSION "0.0.0"
#endif

// kerasrt.Error, and kerasrt.TensorSpec (a namedtuple); created once at import, owned by the
// module (the handles here are borrowed and never released, so nothing runs at interpreter exit).
PyObject* g_error_type = nullptr;
PyObject* g_tensor_spec_type = nullptr;

// A loaded model and what the binding remembers of how it was loaded.
struct PyModel {
  Model model;
  std::string path;
  int intra_op_threads = 1;
};

// ----- conversions ---------------------------------------------------------------------------

py::object shape_tuple(const std::vector<int64_t>& shape) {
  py::tuple out(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    out[i] = shape[i] == kAnyDim ? py::object(py::none()) : py::object(py::int_(shape[i]));
  return out;
}

py::list specs(const std::vector<TensorInfo>& infos) {
  py::list out;
  py::handle make(g_tensor_spec_type);
  for (const TensorInfo& t : infos)
    out.append(make(t.name, shape_tuple(t.shape), dtype_name(t.dtype)));
  return out;
}

// The inputs of one predict call: views for the runtime, and the arrays that back them (kept
// alive, and unchanged by us, until the call returns), or for string inputs the UTF-8 copies
// made while the GIL is held (a deque: the views point into them as they are added).
struct PreparedInputs {
  std::vector<py::array> arrays;
  std::deque<std::vector<std::string>> strings;
  std::vector<TensorView> views;
};

bool is_zero_copy(const py::array& a) {
  return py::isinstance<py::array_t<float, py::array::c_style>>(a) &&
         (a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_) != 0;
}

std::string type_name(py::handle value) {
  return py::str(py::type::handle_of(value).attr("__name__"));
}

// Any array-like as a NumPy array (the object itself when it is one).
py::array as_array(py::handle value, const std::string& name) {
  if (py::isinstance<py::array>(value)) return py::reinterpret_borrow<py::array>(value);
  try {
    return py::module_::import("numpy").attr("asarray")(value);
  } catch (py::error_already_set& e) {
    throw Error("input '" + name + "': cannot make an array of a " + type_name(value) + ": " +
                e.what());
  }
}

// Any array-like to the float32 C-contiguous array the runtime reads: the object itself when it
// already is one, otherwise exactly one converting copy. `name` is the model input it is for.
py::array as_input_array(py::handle value, const std::string& name) {
  py::array array = as_array(value, name);
  const char kind = array.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    throw Error("input '" + name + "' has dtype " + std::string(py::str(array.dtype())) +
                "; kerasrt takes float or integer arrays");
  if (is_zero_copy(array)) return array;
  auto converted = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!converted)
    throw Error("input '" + name + "': cannot convert dtype " +
                std::string(py::str(array.dtype())) + " to float32");
  return converted;
}

// A string input's elements as UTF-8, row-major: str arrays (`U`, UTF-32 in NumPy), bytes
// arrays (`S`, taken as they are, like TensorFlow's tf.string), object arrays of str or bytes,
// and lists of those.
std::vector<std::string> string_elements(const py::array& given, const std::string& name) {
  const char kind = given.dtype().kind();
  if (kind != 'U' && kind != 'S' && kind != 'O')
    throw Error("input '" + name + "' takes strings (str or bytes), got an array of dtype " +
                std::string(py::str(given.dtype())));
  const py::module_ numpy = py::module_::import("numpy");
  // C order and, for UTF-32, native byte order, so the buffer can be read directly.
  py::array array = numpy.attr("ascontiguousarray")(
      given, kind == 'O' ? given.dtype() : given.dtype().attr("newbyteorder")("="));
  std::vector<std::string> out(static_cast<size_t>(array.size()));
  if (kind == 'O') {
    size_t i = 0;
    for (py::handle item : array.attr("ravel")()) {
      std::string& text = out[i++];
      if (PyUnicode_Check(item.ptr())) {
        Py_ssize_t size = 0;
        const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
        if (!utf8) {
          PyErr_Clear();
          throw Error("input '" + name + "': element " + std::to_string(i - 1) +
                      " is a str that is not valid Unicode (a lone surrogate)");
        }
        text.assign(utf8, static_cast<size_t>(size));
      } else if (PyBytes_Check(item.ptr())) {
        text.assign(PyBytes_AS_STRING(item.ptr()),
                    static_cast<size_t>(PyBytes_GET_SIZE(item.ptr())));
      } else {
        throw Error("input '" + name + "' takes strings; element " + std::to_string(i - 1) +
                    " is a " + type_name(item));
      }
    }
    return out;
  }
  // Fixed-width elements, zero-padded at the end (NumPy drops trailing NULs the same way).
  const size_t width = static_cast<size_t>(array.itemsize());
  const auto* bytes = static_cast<const std::byte*>(array.data());
  for (size_t i = 0; i < out.size(); ++i) {
    try {
      out[i] = fixed_width_text(bytes + i * width, width, kind);
    } catch (const Error& e) {
      throw Error("input '" + name + "': element " + std::to_string(i) + ": " + e.reason());
    }
  }
  return out;
}

void add_input(PreparedInputs& prepared, py::handle value, const TensorInfo* info,
               const std::string& name) {
  if (info && info->dtype == DType::kString) {
    const py::array array = as_array(value, name);
    prepared.strings.push_back(string_elements(array, name));
    TensorView view;
    view.strings = prepared.strings.back().data();
    view.shape.assign(array.shape(), array.shape() + array.ndim());
    prepared.views.push_back(std::move(view));
    return;
  }
  py::array array = as_input_array(value, name);
  TensorView view;
  view.data = static_cast<const float*>(array.data());
  view.shape.assign(array.shape(), array.shape() + array.ndim());
  prepared.views.push_back(std::move(view));
  prepared.arrays.push_back(std::move(array));
}

bool all_arrays(const py::sequence& items) {
  for (py::handle item : items)
    if (!py::isinstance<py::array>(item)) return false;
  return true;
}

// Keras's input conventions: one array; a list or tuple of arrays in the order of
// `model.inputs`; or a dict by input name. A list of plain Python numbers (JSON) for a
// one-input model is that input's values.
PreparedInputs prepare(const Model& model, py::handle x) {
  const std::vector<TensorInfo>& infos = model.inputs();
  PreparedInputs prepared;
  const auto name_at = [&](size_t i) {
    return i < infos.size() ? infos[i].name : "#" + std::to_string(i);
  };

  if (py::isinstance<py::dict>(x)) {
    const auto dict = py::reinterpret_borrow<py::dict>(x);
    bool same_names = dict.size() == infos.size();
    for (const TensorInfo& info : infos)
      same_names = same_names && dict.contains(py::str(info.name));
    if (!same_names) {
      // The C++ API validates names before it looks at any data: let it word the error, so the
      // message is the library's own ("no value given for input ...", "no input named ...").
      std::map<std::string, TensorView> names_only;
      for (auto [key, value] : dict) {
        if (!py::isinstance<py::str>(key))
          throw Error("input names must be strings, got a " + type_name(key));
        names_only.emplace(key.cast<std::string>(), TensorView{});
      }
      model.predict(names_only);                                        // throws
      throw Error("the inputs given do not match the model's inputs");  // not reached
    }
    for (const TensorInfo& info : infos) {
      const py::object value = dict[py::str(info.name)];
      add_input(prepared, value, &info, info.name);
    }
    return prepared;
  }
  if (py::isinstance<py::list>(x) || py::isinstance<py::tuple>(x)) {
    const auto items = py::reinterpret_borrow<py::sequence>(x);
    if (infos.size() != 1 || all_arrays(items)) {
      for (size_t i = 0; i < items.size(); ++i) {
        const py::object item = items[i];
        add_input(prepared, item, i < infos.size() ? &infos[i] : nullptr, name_at(i));
      }
      return prepared;
    }
  }
  add_input(prepared, x, infos.empty() ? nullptr : &infos[0], name_at(0));
  return prepared;
}

// Outputs become NumPy arrays that own the tensors' buffers; string outputs become `str` arrays
// (dtype `U`, as `kerasrt predict` writes them to .npy; bytes that are not UTF-8 read as U+FFFD).
py::array to_numpy(Tensor&& tensor) {
  if (tensor.dtype() == DType::kString) {
    py::list items;
    for (const std::string& s : tensor.strings())
      items.append(py::reinterpret_steal<py::object>(
          PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace")));
    py::array flat = py::module_::import("numpy").attr("array")(items, "dtype"_a = "U");
    return flat.attr("reshape")(shape_tuple(tensor.shape()));
  }
  auto holder = std::make_unique<Tensor>(std::move(tensor));
  py::capsule owner(holder.get(), [](void* p) { delete static_cast<Tensor*>(p); });
  Tensor* owned = holder.release();  // the capsule owns it now
  std::vector<py::ssize_t> shape(owned->shape().begin(), owned->shape().end());
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(float);
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return py::array_t<float>(std::move(shape), std::move(strides), owned->data(), owner);
}

// ----- predict -------------------------------------------------------------------------------

// Runs the model over the batch in slices of `batch_size` samples (views into the inputs, no
// copy) and writes each slice's outputs into whole-batch buffers. Called without the GIL.
std::vector<Tensor> predict_in_slices(const Model& model, const std::vector<TensorView>& views,
                                      int64_t batch_size) {
  int64_t batch = -1;
  for (const TensorView& v : views) {
    if (v.shape.empty())
      return model.predict(std::span<const TensorView>(views));  // the runtime reports the shape
    if (batch < 0) batch = v.shape[0];
    if (v.shape[0] != batch)
      throw Error("batch_size needs every input to have the same number of samples, got " +
                  std::to_string(batch) + " and " + std::to_string(v.shape[0]));
  }
  if (batch <= batch_size) return model.predict(std::span<const TensorView>(views));

  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> values;         // float32 outputs
  std::vector<std::vector<std::string>> strings;  // string outputs
  std::vector<bool> text;                         // which outputs are strings
  std::vector<TensorView> slice = views;
  for (int64_t start = 0; start < batch; start += batch_size) {
    const int64_t count = std::min(batch_size, batch - start);
    for (size_t i = 0; i < views.size(); ++i) {
      int64_t row = 1;
      for (size_t d = 1; d < views[i].shape.size(); ++d) row *= views[i].shape[d];
      if (views[i].strings)
        slice[i].strings = views[i].strings + start * row;
      else
        slice[i].data = views[i].data + start * row;
      slice[i].shape[0] = count;
    }
    std::vector<Tensor> part = model.predict(std::span<const TensorView>(slice));
    if (shapes.empty()) {
      for (const Tensor& t : part) {
        if (t.shape().empty() || t.shape()[0] != count)
          throw Error("batch_size: output of shape " + to_string(t.shape()) +
                      " is not batch-first; predict without batch_size");
        shapes.push_back(t.shape());
        shapes.back()[0] = batch;
        text.push_back(t.dtype() == DType::kString);
        const auto size = static_cast<size_t>(t.size() / count * batch);
        values.emplace_back(text.back() ? 0 : size);
        strings.emplace_back(text.back() ? size : 0);
      }
    }
    for (size_t o = 0; o < part.size(); ++o) {
      const int64_t row = part[o].size() / count;
      if (part[o].dtype() == DType::kString)
        std::copy(part[o].strings().begin(), part[o].strings().end(),
                  strings[o].begin() + start * row);
      else
        std::memcpy(values[o].data() + start * row, part[o].data(),
                    static_cast<size_t>(part[o].size()) * sizeof(float));
    }
  }
  std::vector<Tensor> out;
  for (size_t o = 0; o < shapes.size(); ++o)
    out.push_back(text[o] ? Tensor::of_strings(std::move(shapes[o]), std::move(strings[o]))
                          : Tensor(std::move(shapes[o]), std::move(values[o])));
  return out;
}

py::object predict(const PyModel& self, py::handle x, std::optional<int64_t> batch_size) {
  if (batch_size && *batch_size < 1)
    throw Error("batch_size must be at least 1, got " + std::to_string(*batch_size));
  const PreparedInputs prepared = prepare(self.model, x);
  std::vector<Tensor> outputs;
  {
    py::gil_scoped_release no_gil;
    outputs = batch_size ? predict_in_slices(self.model, prepared.views, *batch_size)
                         : self.model.predict(std::span<const TensorView>(prepared.views));
  }
  if (outputs.size() == 1) return to_numpy(std::move(outputs[0]));
  py::list out;
  for (Tensor& t : outputs) out.append(to_numpy(std::move(t)));
  return out;
}

// ----- load ----------------------------------------------------------------------------------

// str, bytes or os.PathLike to a path string.
std::string fspath(py::handle path) {
  return py::module_::import("os").attr("fspath")(path).cast<std::string>();
}

PyModel load_model(const py::object& path, const py::object& weights, int intra_op_threads,
                   bool /*compile*/, const py::object& custom_objects) {
  if (!custom_objects.is_none() && py::len(custom_objects) > 0)
    throw Error("custom_objects are not supported: kerasrt runs Keras's built-in layers only");
  if (intra_op_threads < 1)
    throw Error("intra_op_threads must be at least 1, got " + std::to_string(intra_op_threads));
  const std::string model_path = fspath(path);
  const std::optional<std::string> weights_path =
      weights.is_none() ? std::nullopt : std::optional(fspath(weights));
  LoadOptions options;
  options.intra_op_threads = intra_op_threads;
  py::gil_scoped_release no_gil;
  Model model = weights_path ? Model::load_json(model_path, *weights_path, options)
                             : Model::load(model_path, options);
  return PyModel{std::move(model), model_path, intra_op_threads};
}

PyModel load_model_from_memory(const py::buffer& data, const std::string& name,
                               int intra_op_threads) {
  if (intra_op_threads < 1)
    throw Error("intra_op_threads must be at least 1, got " + std::to_string(intra_op_threads));
  const py::buffer_info info = data.request();
  if (info.ndim > 1 && !(info.strides.back() == info.itemsize))
    throw Error("data must be a contiguous bytes-like object");
  LoadOptions options;
  options.intra_op_threads = intra_op_threads;
  const auto* bytes = static_cast<const std::byte*>(info.ptr);
  const auto size = static_cast<size_t>(info.size * info.itemsize);
  py::gil_scoped_release no_gil;
  return PyModel{Model::load_from_memory({bytes, size}, name, options), name, intra_op_threads};
}

// ----- summary -------------------------------------------------------------------------------

py::list tensors_list(const std::vector<TensorInfo>& tensors) {
  py::list out;
  for (const TensorInfo& t : tensors)
    out.append(py::dict(py::arg("name") = t.name, py::arg("shape") = py::list(shape_tuple(t.shape)),
                        py::arg("dtype") = dtype_name(t.dtype)));
  return out;
}

// The same fields as `kerasrt info --json`.
py::dict summary_dict(const Model& model) {
  const ModelSummary& s = model.summary();
  py::list layers;
  for (const LayerSummary& layer : s.layers) {
    py::list shapes;
    for (const auto& shape : layer.output_shapes) shapes.append(py::list(shape_tuple(shape)));
    layers.append(py::dict(py::arg("name") = layer.name, py::arg("class_name") = layer.class_name,
                           py::arg("output_shapes") = shapes, py::arg("params") = layer.params,
                           py::arg("trainable_params") = layer.trainable_params,
                           py::arg("depth") = layer.depth));
  }
  return py::dict(py::arg("name") = s.name, py::arg("class_name") = s.class_name,
                  py::arg("keras_version") = s.keras_version, py::arg("format") = s.format,
                  py::arg("inputs") = tensors_list(model.inputs()),
                  py::arg("outputs") = tensors_list(model.outputs()), py::arg("layers") = layers,
                  py::arg("total_params") = s.total_params,
                  py::arg("trainable_params") = s.trainable_params,
                  py::arg("non_trainable_params") = s.total_params - s.trainable_params);
}

std::string repr(const PyModel& self) {
  const ModelSummary& s = self.model.summary();
  const auto list = [](const std::vector<TensorInfo>& tensors) {
    std::string text;
    for (const TensorInfo& t : tensors)
      text += (text.empty() ? "" : ", ") + t.name + " " + to_string(t.shape);
    return text;
  };
  return "<kerasrt.Model '" + s.name + "' (" + s.class_name + ", " + s.format + ", " +
         with_commas(s.total_params) + " params) inputs: " + list(self.model.inputs()) +
         " -> outputs: " + list(self.model.outputs()) + ">";
}

py::object single_or_list(py::list items) {
  if (items.size() == 1) return items[0];
  return items;
}

// ----- docstrings ----------------------------------------------------------------------------

constexpr const char* kModuleDoc =
    R"(kerasrt: load a Keras model file once, predict from any number of threads.

    import kerasrt
    model = kerasrt.load_model("model.h5")      # or .keras; format detected from the content
    y = model.predict(x)                        # NumPy in, NumPy out; call it from any thread

A Model is immutable; predict releases the GIL for the whole computation, so Python threads
(a threaded Flask or Django server, a ThreadPoolExecutor) predict in parallel on one copy of
the weights. No graph, no session, no per-thread model copies.)";

constexpr const char* kLoadModelDoc = R"(Load a Keras model file.

Args:
    path: a legacy HDF5 ``.h5`` file (Keras 2, tf.keras, Keras 3) or a ``.keras`` archive; the
        format is detected from the content. With ``weights``: an architecture JSON file
        (``model.to_json()``).
    weights: the weights file that goes with an architecture JSON (legacy ``save_weights`` .h5
        or Keras 3 ``.weights.h5``).
    intra_op_threads: threads one predict call may use inside a layer. The default, 1, suits
        many concurrent callers (one core each); raise it when a single caller wants low latency.
    compile: accepted for compatibility with ``keras.models.load_model``; ignored (kerasrt
        only predicts).
    custom_objects: accepted for compatibility; must be empty (only built-in layers run).

Returns:
    Model: immutable, safe to share between threads.

Raises:
    kerasrt.Error: the file is missing or unreadable, or uses something kerasrt does not
        support; the message names the file, the layer and the reason.)";

constexpr const char* kLoadFromMemoryDoc =
    R"(Load a model from bytes already in memory (an ``.h5`` or ``.keras`` file's content).

Args:
    data: the file's bytes (any contiguous bytes-like object).
    name: used in error messages and ``repr``.
    intra_op_threads: as for ``load_model``.

Raises:
    kerasrt.Error)";

constexpr const char* kModelDoc =
    R"(A loaded Keras model. Immutable: every method may be called from any number of threads.

Create one with ``kerasrt.load_model``.)";

constexpr const char* kPredictDoc = R"(Run the model, like Keras ``Model.predict``.

Args:
    x: the input values, float32 preferred; float64 and integer arrays (e.g. embedding
        indices) are converted to float32, as are non-contiguous arrays. Either one array
        (one-input models), a list or tuple of arrays in the order of ``inputs``, or a dict
        {input name: array}. Batch first. Nested Python lists are taken as one array for a
        one-input model. A string input takes str (``U``), bytes (``S``, passed as they are)
        or object arrays of str or bytes, or lists of them; str becomes UTF-8.
    batch_size: if given, run the batch in slices of this many samples (less scratch
        memory for big batches) and join the results. By default the whole batch runs in
        one call.
    verbose: accepted for compatibility with Keras; ignored.

Returns:
    One float32 array for a one-output model, else a list of arrays in the order of
    ``outputs`` (Keras's convention); a string output is a str array (dtype ``U``).

Raises:
    kerasrt.Error: wrong number of inputs, wrong shape, unknown or missing input name, or an
        unsupported dtype; the message is the C++ library's.

A float32 C-contiguous input is read in place (no copy); other inputs are copied once. The
outputs own the buffers the runtime computed (no copy). The GIL is released while the model
runs.)";

constexpr const char* kCallDoc = R"(Same as ``predict(x)``; returns NumPy arrays (not tensors).

``training`` may be None or False: kerasrt runs inference only.)";

constexpr const char* kSummaryDoc =
    R"(Print a summary of the model, like Keras ``model.summary()``: one line per layer with
its output shape and parameter count, the totals, then the inputs and outputs. The text is
the same as ``kerasrt info MODEL`` prints.

Args:
    print_fn: called with each line instead of ``print``.
    expand_nested: also list the layers inside nested models.

Returns:
    None)";

constexpr const char* kSummaryDictDoc =
    R"(The summary as a dict, with the same fields as ``kerasrt info --json``: name,
class_name, keras_version, format, inputs, outputs, layers (name, class_name, output_shapes,
params, trainable_params, depth), total_params, trainable_params, non_trainable_params.)";

constexpr const char* kErrorDoc =
    R"(Raised for every error kerasrt reports: a missing or malformed file, an unsupported
layer, wrong input count, shape, name or dtype. A subclass of ValueError.

``str(error)`` is the C++ kerasrt::Error message, "<file>: layer '<name>' (<Class>): <reason>"
with the parts that apply; the attributes ``reason``, ``layer`` and ``file`` hold the parts
("" when absent).)";

void raise_error(const Error& e) {
  py::object error = py::reinterpret_borrow<py::object>(g_error_type)(e.what());
  error.attr("reason") = e.reason();
  error.attr("layer") = e.layer();
  error.attr("file") = e.file();
  PyErr_SetObject(g_error_type, error.ptr());
}

}  // namespace
}  // namespace kerasrt::python

PYBIND11_MODULE(_kerasrt, m) {
  using namespace kerasrt::python;
  using kerasrt::Model;
  m.doc() = kModuleDoc;
  m.attr("__version__") = KERASRT_VERSION;

  g_error_type = PyErr_NewExceptionWithDoc("kerasrt.Error", kErrorDoc, PyExc_ValueError, nullptr);
  if (!g_error_type) throw py::error_already_set();
  m.attr("Error") = py::handle(g_error_type);  // the module holds the reference
  Py_DECREF(g_error_type);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const kerasrt::Error& e) {
      raise_error(e);
    }
  });

  py::object tensor_spec =
      py::module_::import("collections")
          .attr("namedtuple")("TensorSpec", py::make_tuple("name", "shape", "dtype"));
  tensor_spec.attr("__module__") = "kerasrt";
  tensor_spec.attr("__doc__") =
      "A model input or output: name (str), shape (tuple, None where Keras says None, batch first) "
      "and dtype (str).";
  m.attr("TensorSpec") = tensor_spec;
  g_tensor_spec_type = tensor_spec.ptr();  // borrowed: the module keeps it alive

  py::class_<PyModel>(m, "Model", kModelDoc)
      .def(
          "predict",
          [](const PyModel& self, const py::object& x, std::optional<int64_t> batch_size,
             const py::object& /*verbose*/) { return predict(self, x, batch_size); },
          py::arg("x"), py::arg("batch_size") = py::none(), py::arg("verbose") = py::none(),
          kPredictDoc)
      .def(
          "predict_on_batch",
          [](const PyModel& self, const py::object& x) { return predict(self, x, std::nullopt); },
          py::arg("x"),
          "Same as ``predict(x)``: the whole batch in one call, like Keras "
          "``Model.predict_on_batch``.")
      .def(
          "__call__",
          [](const PyModel& self, const py::object& x, const py::object& training) {
            if (PyObject_IsTrue(training.ptr()) == 1)
              throw kerasrt::Error("kerasrt runs inference only: training=True is not supported");
            return predict(self, x, std::nullopt);
          },
          py::arg("x"), py::arg("training") = py::none(), kCallDoc)
      .def_property_readonly(
          "inputs", [](const PyModel& self) { return specs(self.model.inputs()); },
          "The model's inputs in the order predict takes them: a list of TensorSpec(name, shape, "
          "dtype).")
      .def_property_readonly(
          "outputs", [](const PyModel& self) { return specs(self.model.outputs()); },
          "The model's outputs in the order predict returns them: a list of TensorSpec(name, "
          "shape, dtype).")
      .def_property_readonly(
          "input_names",
          [](const PyModel& self) {
            py::list names;
            for (const auto& t : self.model.inputs()) names.append(t.name);
            return names;
          },
          "The names of the inputs, in order.")
      .def_property_readonly(
          "output_names",
          [](const PyModel& self) {
            py::list names;
            for (const auto& t : self.model.outputs()) names.append(t.name);
            return names;
          },
          "The names of the outputs, in order.")
      .def_property_readonly(
          "input_shape",
          [](const PyModel& self) {
            py::list shapes;
            for (const auto& t : self.model.inputs()) shapes.append(shape_tuple(t.shape));
            return single_or_list(shapes);
          },
          "Like Keras: the input shape (a tuple, None for free dimensions), or a list of them for "
          "several inputs.")
      .def_property_readonly(
          "output_shape",
          [](const PyModel& self) {
            py::list shapes;
            for (const auto& t : self.model.outputs()) shapes.append(shape_tuple(t.shape));
            return single_or_list(shapes);
          },
          "Like Keras: the output shape (a tuple, None for free dimensions), or a list of them for "
          "several outputs.")
      .def_property_readonly(
          "name", [](const PyModel& self) { return self.model.summary().name; },
          "The model's name, as saved by Keras.")
      .def_property_readonly(
          "path", [](const PyModel& self) { return self.path; },
          "The path (or name) the model was loaded from.")
      .def_property_readonly(
          "intra_op_threads", [](const PyModel& self) { return self.intra_op_threads; },
          "Threads one predict call may use inside a layer (set at load time).")
      .def(
          "summary",
          [](const PyModel& self, py::object print_fn, bool expand_nested) {
            const std::vector<std::string> lines = summary_lines(self.model, expand_nested);
            if (print_fn.is_none()) print_fn = py::module_::import("builtins").attr("print");
            for (const std::string& line : lines) print_fn(line);
          },
          py::arg("print_fn") = py::none(), py::arg("expand_nested") = false, kSummaryDoc)
      .def(
          "summary_dict", [](const PyModel& self) { return summary_dict(self.model); },
          kSummaryDictDoc)
      .def(
          "workspace_stats",
          [](const PyModel& self) {
            const kerasrt::WorkspaceStats stats = self.model.workspace_stats();
            py::dict out;
            out["workspaces"] = stats.workspaces;
            out["bytes"] = stats.bytes;
            out["peak_workspaces"] = stats.peak_workspaces;
            out["peak_bytes"] = stats.peak_bytes;
            return out;
          },
          "The memory predict calls hold beyond the weights: one workspace per call in flight, "
          "pooled for reuse. A dict of workspaces and bytes now, and their peaks.")
      .def("__repr__", &repr);

  m.def("load_model", &load_model, py::arg("path"), py::arg("weights") = py::none(),
        py::arg("intra_op_threads") = 1, py::kw_only(), py::arg("compile") = true,
        py::arg("custom_objects") = py::none(), kLoadModelDoc);
  m.def("load_model_from_memory", &load_model_from_memory, py::arg("data"),
        py::arg("name") = "<memory>", py::kw_only(), py::arg("intra_op_threads") = 1,
        kLoadFromMemoryDoc);
  m.def("usable_cores", &kerasrt::usable_cores,
        "The cores kerasrt keeps busy at most, and a natural size for a pool of predicting "
        "threads: the CPUs this process's affinity allows, capped by its cgroup's CPU quota "
        "rounded up (a container's CPU limit, which os.cpu_count() and os.sched_getaffinity() do "
        "not show).");
  m.def("kernel_isa", &kerasrt::kernel_isa,
        "The vector instruction set of kerasrt's own kernels here: 'avx512', 'avx2' or 'scalar' "
        "(the best the CPU has, unless the environment variable KERASRT_ISA asks for a lower "
        "one).");
  m.def(
      "_as_input_array",
      [](const py::object& value) { return kerasrt::python::as_input_array(value, "x"); },
      py::arg("value"),
      "Internal (tests): the array predict hands to the runtime for `value`; the very same object "
      "when no copy is needed.");
  m.def(
      "_string_output",
      [](const std::vector<int64_t>& shape, const std::vector<py::bytes>& elements) {
        std::vector<std::string> strings(elements.begin(), elements.end());
        return kerasrt::python::to_numpy(kerasrt::Tensor::of_strings(shape, std::move(strings)));
      },
      py::arg("shape"), py::arg("elements"),
      "Internal (tests): the array predict returns for a string output of this shape holding "
      "these UTF-8 bytes.");
}

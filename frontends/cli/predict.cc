// `kerasrt predict`: NumPy inputs in, NumPy outputs out.
#include <cctype>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "kerasrt/npy.h"

namespace kerasrt::cli {
namespace {

// Output names come from the model file: keep them from escaping the output directory.
std::string safe_file_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
  if (out.empty() || out[0] == '.') out.insert(0, "_");
  return out;
}

}  // namespace

int predict(const std::vector<std::string>& raw) {
  Args args(raw);
  const std::vector<std::string> input_args = args.values("--input");
  const std::string output = args.value("--output");
  const std::string output_dir = args.value("--output-dir");
  ModelArgs model_arguments = model_args(args);
  const auto rest = args.positionals();
  if (rest.size() != 1) throw UsageError("predict takes one MODEL");
  if (input_args.empty()) throw UsageError("give at least one --input X.npy");
  if (output.empty() == output_dir.empty())
    throw UsageError("give exactly one of --output OUT.npy or --output-dir DIR");
  model_arguments.model = rest[0];
  const Model model = open_model(model_arguments);
  const auto& inputs = model.inputs();

  // Inputs are NAME=PATH, or plain paths taken in the model's input order.
  std::map<std::string, Tensor> named;
  size_t next_positional = 0;
  for (const std::string& arg : input_args) {
    const size_t eq = arg.find('=');
    std::string name, path = arg;
    if (eq != std::string::npos) {
      const std::string candidate = arg.substr(0, eq);
      for (const TensorInfo& info : inputs)
        if (info.name == candidate) name = candidate;
      if (!name.empty()) path = arg.substr(eq + 1);
    }
    if (name.empty()) {
      if (next_positional >= inputs.size())
        throw UsageError("more inputs given than the model has (" + std::to_string(inputs.size()) +
                         ")");
      name = inputs[next_positional++].name;
    }
    if (!named.emplace(name, read_npy(path)).second)
      throw UsageError("input '" + name + "' given twice");
  }
  const std::map<std::string, Tensor> results = model.predict(named);

  if (!output.empty()) {
    if (results.size() != 1)
      throw UsageError("the model has " + std::to_string(results.size()) +
                       " outputs; use --output-dir");
    write_npy(output, results.begin()->second);
    std::cout << results.begin()->first << " -> " << output << "\n";
    return 0;
  }
  std::filesystem::create_directories(output_dir);
  for (const TensorInfo& info : model.outputs()) {
    const std::string path =
        (std::filesystem::path(output_dir) / (safe_file_name(info.name) + ".npy")).string();
    write_npy(path, results.at(info.name));
    std::cout << info.name << " -> " << path << "\n";
  }
  return 0;
}

}  // namespace kerasrt::cli

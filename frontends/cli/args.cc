#include "commands.h"

namespace kerasrt::cli {

bool Args::flag(const std::string& name) {
  for (auto it = args_.begin(); it != args_.end(); ++it)
    if (*it == name) {
      args_.erase(it);
      return true;
    }
  return false;
}

std::vector<std::string> Args::values(const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args_.size();) {
    if (args_[i] == name) {
      if (i + 1 >= args_.size()) throw UsageError(name + " needs a value");
      out.push_back(args_[i + 1]);
      args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i),
                  args_.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else {
      ++i;
    }
  }
  return out;
}

std::string Args::value(const std::string& name, const std::string& fallback) {
  auto all = values(name);
  if (all.size() > 1) throw UsageError(name + " given more than once");
  return all.empty() ? fallback : all.front();
}

std::vector<std::string> Args::positionals() {
  for (const std::string& arg : args_)
    if (arg.size() > 1 && arg[0] == '-') throw UsageError("unknown option " + arg);
  return args_;
}

ModelArgs model_args(Args& args) {
  ModelArgs out;
  out.weights = args.value("--weights");
  const std::string threads = args.value("--threads", "1");
  try {
    out.options.intra_op_threads = std::stoi(threads);
  } catch (const std::exception&) {
    throw UsageError("--threads needs a number, got '" + threads + "'");
  }
  if (out.options.intra_op_threads < 1) throw UsageError("--threads must be at least 1");
  return out;
}

Model open_model(const ModelArgs& args) {
  if (!args.weights.empty()) return Model::load_json(args.model, args.weights, args.options);
  return Model::load(args.model, args.options);
}

}  // namespace kerasrt::cli

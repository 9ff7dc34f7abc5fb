#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace kerasrt::cli {

// Bad command-line arguments (exit status 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Options every command that opens a model shares.
struct ModelArgs {
  std::string model;
  std::string weights;
  LoadOptions options;
};

// Small argument scanner: `--name value`, `--flag`, and positionals.
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}
  bool flag(const std::string& name);
  std::vector<std::string> values(const std::string& name);
  std::string value(const std::string& name, const std::string& fallback = {});
  std::vector<std::string> positionals();  // call last: whatever is left

 private:
  std::vector<std::string> args_;
};

ModelArgs model_args(Args& args);
Model open_model(const ModelArgs& args);

int info(const std::vector<std::string>& args);
int predict(const std::vector<std::string>& args);
int validate(const std::vector<std::string>& args);  // validate.cc
int bench(const std::vector<std::string>& args);     // bench.cc
int serve(const std::vector<std::string>& args);     // frontends/server/serve_command.cc

}  // namespace kerasrt::cli

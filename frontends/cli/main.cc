// kerasrt command line: `info`, `predict` (and later `bench`, `serve`).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: kerasrt <command> [options]\n"
      "\n"
      "commands:\n"
      "  info MODEL [--weights W] [--json] [--expand-nested]\n"
      "      Summary of the model, like Keras model.summary(): layers, output shapes, parameters.\n"
      "  info --layers [--json | --markdown]\n"
      "      Every Keras layer class kerasrt loads, by family.\n"
      "  predict MODEL [--weights W] --input X.npy [--input NAME=X.npy ...]\n"
      "          (--output OUT.npy | --output-dir DIR) [--threads N]\n"
      "      Runs the model on NumPy inputs and writes float32 .npy outputs\n"
      "      (--output-dir writes one <output name>.npy per output).\n"
      "  validate MODEL [--weights W] [--json] [--memory-mb N] [--cpu-seconds N] [--timeout S] "
      "[--no-predict] [--max-<limit> N]\n"
      "      Loads an untrusted model in a child process under resource limits and reports: valid "
      "(0), invalid (1), crashed (3).\n"
      "  bench MODEL [--weights W] [--threads N] [--batch B] [--seconds S] [--warmup S] "
      "[--intra-op-threads K]\n"
      "        [--input X.npy ...] [--json]\n"
      "      N concurrent callers each predicting batch B on one shared model: throughput, "
      "p50/p90/p99 latency,\n"
      "      load time, peak RSS (inputs uniform in [0, 1) unless given).\n"
      "  serve (--model-repository DIR | --model NAME=PATH ...) [--port 8501] [--workers N] "
      "[--max-batch-size 32]\n"
      "        [--max-queue-delay-us 0] [--no-batching] [--model-config NAME:key=value,...] "
      "[--access-log -|FILE|off]\n"
      "      HTTP model server: TensorFlow Serving REST (/v1) and KServe v2 (/v2), dynamic "
      "batching, /metrics,\n"
      "      versions reloaded from DIR/<name>/<version>/ (see frontends/server/README.md for "
      "every option).\n"
      "\n"
      "MODEL is a Keras .h5 or .keras file, a tf.keras SavedModel directory, or an architecture\n"
      ".json with --weights.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "info") return kerasrt::cli::info(args);
    if (command == "predict") return kerasrt::cli::predict(args);
    if (command == "validate") return kerasrt::cli::validate(args);
    if (command == "bench") return kerasrt::cli::bench(args);
    if (command == "serve") return kerasrt::cli::serve(args);
    std::fprintf(stderr, "kerasrt: unknown command '%s'\n\n", command.c_str());
    usage(stderr);
    return 2;
  } catch (const kerasrt::cli::UsageError& e) {
    std::fprintf(stderr, "kerasrt %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kerasrt %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
}

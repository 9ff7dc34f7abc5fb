// `kerasrt serve`: the model server. See README.md beside this file for the design.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api.h"
#include "repository.h"

namespace kerasrt::server {

struct ServerOptions {
  RepositoryOptions repository;
  std::string host = "0.0.0.0";
  int port = 8501;                        // 0: any free port (see Server::port)
  int io_threads = 1;                     // threads running the network event loop
  int workers = 0;                        // compute threads running predict; 0: one per core
  uint64_t max_body_bytes = 64ull << 20;  // larger request bodies answer 413
  uint32_t max_header_bytes = 16 << 10;   // larger request headers answer 431
  double read_timeout_seconds = 30;       // keep-alive idle wait plus reading one request
  double write_timeout_seconds = 30;      // writing one response
  double request_timeout_seconds = 30;    // longest wait in a model's queue (then 503)
  double drain_timeout_seconds = 30;      // graceful shutdown: longest wait for open requests
  double shutdown_delay_seconds = 0;      // on SIGTERM: not ready, still serving, for this long
  int max_connections = 4096;             // more are answered 503 and closed
  std::string access_log = "-";           // "-" stdout, "stderr", a file, or "off"
  std::string server_version = "0.1.0";
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // shutdown() and wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the models, binds, starts the threads; ready (health/ready 200) when it returns.
  // Throws kerasrt::Error (a --model that does not load, a port in use, ...).
  void start();
  int port() const;
  // Graceful shutdown, from any thread, at most once in effect: not ready, stop accepting
  // connections, close idle keep-alive connections, answer every request already received
  // (with Connection: close), then stop. Returns at once; wait() for the end.
  void shutdown();
  void wait();
  bool ready() const;
  Repository& repository();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs until SIGTERM or SIGINT, then shuts down gracefully. Returns the exit status.
int serve_until_signal(const ServerOptions& options);

}  // namespace kerasrt::server

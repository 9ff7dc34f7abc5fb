// The HTTP layer: Boost.Beast on Boost.Asio. Every connection is a Session on its own strand;
// the I/O threads only parse HTTP and JSON and write answers, the Scheduler's workers predict.
//
// - Keep-alive: HTTP/1.1 connections stay open (until read_timeout of idleness).
// - Pipelining: a session reads one request, answers it, and only then parses the next one, so
//   pipelined requests (already in the read buffer) are answered in order, one at a time.
// - Slow clients: no thread waits on a socket; every read and write has a deadline (tcp_stream
//   timeouts), so a slow or stalled client holds one socket and its buffer, never a thread;
//   max_connections bounds the sockets. Bodies over max_body_bytes are refused from their
//   Content-Length (413) before they are read.
#include <signal.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "log.h"
#include "server.h"

namespace kerasrt::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}
class Session;
}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)),
        ioc(std::max(1, options.io_threads)),
        acceptor(net::make_strand(ioc)),
        scheduler(options.workers > 0 ? options.workers : kerasrt::usable_cores()),
        repository(options.repository, scheduler, metrics),
        api(repository, scheduler, metrics,
            ApiOptions{options.request_timeout_seconds, options.server_version}),
        access_log(options.access_log) {}

  void accept();
  void begin_shutdown();
  void drain();

  ServerOptions options;
  // Declared before the event loop: sessions destroyed with it still update these.
  std::atomic<bool> draining{false};
  std::atomic<bool> shutdown_requested{false};
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};
  std::mutex sessions_mutex;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  net::io_context ioc;
  // Keeps the event loop running while answers are computed and nothing else is pending
  // (during a shutdown, with the acceptor closed); released when the server stops.
  net::executor_work_guard<net::io_context::executor_type> keep_running = net::make_work_guard(ioc);
  tcp::acceptor acceptor;
  Metrics metrics;
  Scheduler scheduler;
  Repository repository;
  Api api;
  JsonLog access_log;
  std::vector<std::thread> io_threads;
  std::thread stopper;
  int port = 0;

  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool started = false, stopped = false;
};

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    ++server_.connections;
  }
  ~Session() {
    {
      std::lock_guard lock(server_.sessions_mutex);
      server_.sessions.erase(this);
    }
    --server_.connections;
  }

  void start(bool reject) {
    {
      std::lock_guard lock(server_.sessions_mutex);
      server_.sessions[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), reject] {
      if (reject) {
        self->keep_alive_ = false;
        self->received_ = Clock::now();
        HttpResponse r;
        r.status = 503;
        r.body = error_body("too many connections; retry later");
        r.headers.emplace_back("Retry-After", "1");
        ++self->server_.in_flight;
        self->write(std::move(r));
      } else {
        self->read();
      }
    });
  }

  // On the session's strand: closes the connection if it waits for a request that has not begun.
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_ && self->buffer_.size() == 0 && self->parser_ &&
          !self->parser_->got_some()) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

 private:
  void read() {
    if (server_.draining.load() && buffer_.size() == 0) return close();
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(server_.options.max_header_bytes);
    stream_.expires_after(seconds(server_.options.read_timeout_seconds));
    reading_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    if (ec) return on_read(ec, 0);
    // curl and others send "Expect: 100-continue" before large bodies and wait for it.
    const auto& req = parser_->get();
    if (auto it = req.find(http::field::expect);
        it != req.end() && lower(std::string(it->value())) == "100-continue") {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec2, size_t) {
                          if (ec2) return self->close();
                          http::async_read(self->stream_, self->buffer_, *self->parser_,
                                           beast::bind_front_handler(&Session::on_read, self));
                        });
      return;
    }
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void fail(int status, const std::string& message) {
    keep_alive_ = false;
    linger_ = true;
    received_ = Clock::now();
    method_ = "?";
    HttpResponse r;
    r.status = status;
    r.body = error_body(message);
    ++server_.in_flight;
    write(std::move(r));
  }

  void on_read(beast::error_code ec, size_t) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::bad_descriptor)
      return close();
    if (ec == beast::error::timeout) return;  // the stream has been closed
    if (ec == http::error::body_limit)
      return fail(413, "the request body is larger than the server's limit of " +
                           std::to_string(server_.options.max_body_bytes) +
                           " bytes (--max-body-bytes)");
    if (ec == http::error::header_limit) return fail(431, "the request headers are too large");
    if (ec) {
      if (parser_ && parser_->got_some())
        return fail(400, "malformed HTTP request: " + ec.message());
      return close();
    }
    http::request<http::string_body> req = parser_->release();
    parser_.reset();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req)
      request.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    request.body = std::move(req.body());
    request.received = received_ = Clock::now();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    method_ = request.method;
    target_ = request.target;
    bytes_in_ = request.body.size();
    if (auto it = request.headers.find("x-request-id"); it != request.headers.end())
      request_id_ = it->second;
    else
      request_id_.clear();
    ++server_.in_flight;
    server_.api.handle(std::move(request), [self = shared_from_this()](HttpResponse&& response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void write(HttpResponse&& r) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - received_).count();
    response_ = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version_ ? version_ : 11);
    response_->set(http::field::server, "kerasrt/" + server_.options.server_version);
    response_->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) response_->set(name, value);
    if (!request_id_.empty()) response_->set("X-Request-Id", request_id_);
    response_->keep_alive(keep_alive_ && !server_.draining.load());
    response_->body() = std::move(r.body);
    response_->prepare_payload();
    server_.metrics.http_request(r.endpoint, r.status, elapsed);
    if (server_.access_log.enabled()) {
      nlohmann::json line = {{"remote", remote_},     {"method", method_},
                             {"path", target_},       {"status", r.status},
                             {"bytes_in", bytes_in_}, {"bytes_out", response_->body().size()},
                             {"seconds", elapsed},    {"endpoint", r.endpoint}};
      if (!r.model.empty()) {
        line["model"] = r.model;
        line["version"] = r.version;
      }
      if (r.batch_rows) {
        line["batch_rows"] = r.batch_rows;
        line["batch_requests"] = r.batch_requests;
        line["queue_seconds"] = r.queue_seconds;
      }
      if (!request_id_.empty()) line["request_id"] = request_id_;
      server_.access_log.write(std::move(line));
    }
    stream_.expires_after(seconds(server_.options.write_timeout_seconds));
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    --server_.in_flight;
    const bool keep = response_ && response_->keep_alive();
    response_.reset();
    if (ec || !keep) return linger_ && !ec ? linger() : close();
    read();
  }

  // After an error answered before the request was read to its end (413, 400): stop sending,
  // and read and drop what the client still sends for a moment, so that a client that writes
  // its whole body before reading gets the answer instead of a connection reset.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    discard(std::make_shared<std::vector<char>>(16384), 0);
  }
  void discard(std::shared_ptr<std::vector<char>> scratch, size_t total) {
    stream_.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch, total](
                                                       beast::error_code ec, size_t n) {
      if (ec || total + n > (size_t{256} << 20)) return self->close();
      self->discard(scratch, total + n);
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  Server::Impl& server_;
  std::string remote_, method_, target_, request_id_;
  size_t bytes_in_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool reading_ = false;
  bool linger_ = false;
  Clock::time_point received_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const bool reject = connections.load() >= options.max_connections;
      std::make_shared<Session>(std::move(socket), *this)->start(reject);
    }
    accept();
  });
}

void Server::Impl::begin_shutdown() {
  if (shutdown_requested.exchange(true)) return;
  api.set_ready(false);
  stopper = std::thread([this] { drain(); });
}

void Server::Impl::drain() {
  log_event("info", "shutting down: not ready; finishing the requests in flight",
            {{"in_flight", in_flight.load()}, {"connections", connections.load()}});
  api.set_ready(false);
  if (options.shutdown_delay_seconds > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(options.shutdown_delay_seconds));
  draining = true;
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  const auto deadline = Clock::now() + seconds(options.drain_timeout_seconds);
  while (Clock::now() < deadline) {
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [ptr, weak] : sessions)
        if (auto s = weak.lock()) open.push_back(std::move(s));
    }
    // Outside the lock: the last reference to a session may be dropped here, and its
    // destructor takes the lock.
    for (auto& s : open) s->close_if_idle();
    open.clear();
    if (connections.load() == 0 && in_flight.load() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  repository.stop();
  scheduler.stop();  // runs whatever is still queued (only after the drain timeout)
  const auto grace = Clock::now() + std::chrono::seconds(2);
  while (in_flight.load() > 0 && Clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ioc.stop();
  log_event("info", "stopped", {{"unfinished_requests", in_flight.load()}});
  std::lock_guard lock(done_mutex);
  stopped = true;
  done_cv.notify_all();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  shutdown();
  wait();
}

void Server::start() {
  Impl& s = *impl_;
  s.repository.load_initial();
  s.repository.start_polling();
  beast::error_code ec;
  const auto address = net::ip::make_address(s.options.host, ec);
  if (ec) throw Error("--host '" + s.options.host + "' is not an IP address: " + ec.message());
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw Error("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) + ": " +
                ec.message());
  s.port = s.acceptor.local_endpoint().port();
  s.metrics.add_gauge_source([&s](std::string& out) {
    out +=
        "# HELP kerasrt_ready Whether the server is ready (1) or not (0).\n# TYPE kerasrt_ready "
        "gauge\n";
    out += "kerasrt_ready " + std::to_string(s.api.ready() ? 1 : 0) + "\n";
    out +=
        "# HELP kerasrt_open_connections Open HTTP connections.\n# TYPE kerasrt_open_connections "
        "gauge\n";
    out += "kerasrt_open_connections " + std::to_string(s.connections.load()) + "\n";
    out +=
        "# HELP kerasrt_requests_in_flight HTTP requests received and not yet answered.\n# TYPE "
        "kerasrt_requests_in_flight gauge\n";
    out += "kerasrt_requests_in_flight " + std::to_string(s.in_flight.load()) + "\n";
    out +=
        "# HELP kerasrt_queued_requests Inference requests waiting for a worker.\n# TYPE "
        "kerasrt_queued_requests gauge\n";
    out += "kerasrt_queued_requests " + std::to_string(s.scheduler.queued()) + "\n";
    out +=
        "# HELP kerasrt_busy_workers Workers running predict.\n# TYPE kerasrt_busy_workers gauge\n";
    out += "kerasrt_busy_workers " + std::to_string(s.scheduler.busy_workers()) + "\n";
    // Per loaded model version: the memory its predict calls hold beyond the weights.
    out +=
        "# HELP kerasrt_model_workspace_bytes Memory of the model's per-call workspaces (in use "
        "or pooled).\n# TYPE kerasrt_model_workspace_bytes gauge\n";
    std::string counts =
        "# HELP kerasrt_model_workspaces Per-call workspaces the model holds (in use or "
        "pooled).\n# TYPE kerasrt_model_workspaces gauge\n";
    for (const std::string& name : s.repository.names())
      for (int64_t version : s.repository.available_versions(name)) {
        const auto found = s.repository.find(name, version);
        if (!found.served) continue;
        const WorkspaceStats stats = found.served->model.workspace_stats();
        const std::string labels =
            "{model=\"" + label_value(name) + "\",version=\"" + std::to_string(version) + "\"} ";
        out += "kerasrt_model_workspace_bytes" + labels + std::to_string(stats.bytes) + "\n";
        counts += "kerasrt_model_workspaces" + labels + std::to_string(stats.workspaces) + "\n";
      }
    out += counts;
  });
  s.accept();
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i)
    s.io_threads.emplace_back([&s] { s.ioc.run(); });
  {
    std::lock_guard lock(s.done_mutex);
    s.started = true;
  }
  s.api.set_ready(true);
  log_event("info", "serving",
            {{"host", s.options.host},
             {"port", s.port},
             {"models", s.repository.names()},
             {"workers", s.scheduler.workers()},
             {"io_threads", s.options.io_threads}});
}

int Server::port() const { return impl_->port; }
bool Server::ready() const { return impl_->api.ready(); }
Repository& Server::repository() { return impl_->repository; }

void Server::shutdown() {
  {
    std::lock_guard lock(impl_->done_mutex);
    if (!impl_->started) {
      impl_->stopped = true;
      return;
    }
  }
  impl_->begin_shutdown();
}

void Server::wait() {
  Impl& s = *impl_;
  {
    std::unique_lock lock(s.done_mutex);
    s.done_cv.wait(lock, [&] { return s.stopped; });
  }
  if (s.stopper.joinable()) s.stopper.join();
  for (std::thread& t : s.io_threads)
    if (t.joinable()) t.join();
  s.io_threads.clear();
  s.repository.stop();
  s.scheduler.stop();
}

int serve_until_signal(const ServerOptions& options) {
  // Block the signals in every thread (the server's threads inherit the mask) and wait for
  // them here.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  Server server(options);
  server.start();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  log_event("info", "signal received",
            {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.shutdown();
  server.wait();
  return 0;
}

}  // namespace kerasrt::server

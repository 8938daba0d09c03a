// The one helper every benchmark program shares: it parses the common flags, times the
// measured region, validates the result and prints bench-spec.md's RESULT line.
//
//   RESULT <workload> <runtime> workers=<W> n=<N> wall_ms=<float> <metric>=<float> reps=<R>
//
// A program runs each workload `--reps R` times per worker count and prints one RESULT line
// with the median wall time (and the metric computed from it). A wrong result is fatal:
// `fail()` prints what was wrong and exits with status 1.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace corio::bench {

struct Args {
  std::vector<unsigned> workers{1, 2};  ///< --workers N (repeatable); default 1 and 2.
  unsigned reps = 5;                    ///< --reps R
  std::uint64_t n = 0;                  ///< --n N overrides the workload's default size.
};

inline unsigned parse_unsigned(std::string_view flag, const char* text) {
  unsigned value = 0;
  std::string_view s(text);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) {
    std::fprintf(stderr, "error: %.*s expects a whole number, got '%s'\n",
                 static_cast<int>(flag.size()), flag.data(), text);
    std::exit(2);
  }
  return value;
}

/// Parses --workers N (may repeat), --reps R and --n N. Unknown flags are an error.
inline Args parse_args(int argc, char** argv) {
  Args args;
  bool workers_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag(argv[i]);
    if (i + 1 >= argc) {
      std::fprintf(stderr, "error: %s needs a value (flags: --workers N --reps R --n N)\n",
                   argv[i]);
      std::exit(2);
    }
    const char* value = argv[++i];
    if (flag == "--workers") {
      if (!workers_given) args.workers.clear();
      workers_given = true;
      unsigned w = parse_unsigned(flag, value);
      args.workers.push_back(w == 0 ? std::max(1u, std::thread::hardware_concurrency()) : w);
    } else if (flag == "--reps") {
      args.reps = std::max(1u, parse_unsigned(flag, value));
    } else if (flag == "--n") {
      args.n = parse_unsigned(flag, value);
    } else {
      std::fprintf(stderr, "error: unknown flag %s (flags: --workers N --reps R --n N)\n",
                   argv[i - 1]);
      std::exit(2);
    }
  }
  return args;
}

/// Wall-clock time of one measured region, in milliseconds.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// Prints why a workload's result is wrong and exits non-zero: a fast wrong answer fails.
[[noreturn]] inline void fail(std::string_view workload, const std::string& why) {
  std::fprintf(stderr, "FAIL %.*s: %s\n", static_cast<int>(workload.size()), workload.data(),
               why.c_str());
  std::exit(1);
}

inline void check(bool ok, std::string_view workload, const std::string& why) {
  if (!ok) fail(workload, why);
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/// How a workload's metric follows from its wall time (ms) and size n.
enum class Metric { ns_per_item, items_per_s, overhead_ms };

struct Workload {
  std::string_view name;         ///< bench-spec name, e.g. "spawn_join"
  std::string_view runtime;      ///< "corio", "asio", "tbb", ...
  std::string_view metric_name;  ///< e.g. "ns_per_task"
  Metric metric;
  std::uint64_t n;
  /// Extra "key=value" fields appended to the RESULT line (e.g. peak RSS), or empty.
  std::function<std::string()> extra = {};
};

/// "peak_rss_mb=<x>": peak resident set size of this process so far (bench-spec B6).
inline std::string peak_rss_field() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  char text[64];
  std::snprintf(text, sizeof text, "peak_rss_mb=%.1f",
                static_cast<double>(usage.ru_maxrss) / 1024.0);  // ru_maxrss is in KiB
  return text;
}

inline double metric_value(const Workload& w, double wall_ms) {
  switch (w.metric) {
    case Metric::ns_per_item:
      return wall_ms * 1e6 / static_cast<double>(w.n);
    case Metric::items_per_s:
      return static_cast<double>(w.n) / (wall_ms / 1e3);
    case Metric::overhead_ms:
      return wall_ms - 1000.0;
  }
  return 0;
}

/// Runs `rep(workers)` args.reps times for each worker count; `rep` returns the wall time in
/// ms of its timed region (it validates its own result with check()). Prints one RESULT line
/// per worker count with the median.
inline void run(const Args& args, const Workload& w, const std::function<double(unsigned)>& rep) {
  for (unsigned workers : args.workers) {
    std::vector<double> walls;
    for (unsigned r = 0; r < args.reps; ++r) walls.push_back(rep(workers));
    double wall = median(walls);
    std::string extra;
    if (w.extra) {
      extra = ' ';
      extra += w.extra();
    }
    std::printf("RESULT %.*s %.*s workers=%u n=%llu wall_ms=%.3f %.*s=%.3f reps=%u%s\n",
                static_cast<int>(w.name.size()), w.name.data(), static_cast<int>(w.runtime.size()),
                w.runtime.data(), workers, static_cast<unsigned long long>(w.n), wall,
                static_cast<int>(w.metric_name.size()), w.metric_name.data(), metric_value(w, wall),
                args.reps, extra.c_str());
    std::fflush(stdout);
  }
}

}  // namespace corio::bench

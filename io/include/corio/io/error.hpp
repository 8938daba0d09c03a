// The exceptions of corio's stream API (asyncio's IncompleteReadError and
// LimitOverrunError). System call failures are std::system_error.
#pragma once

#include <cstddef>
#include <string>

#include "corio/core/error.hpp"

namespace corio {

/// The stream ended before the requested bytes arrived (read_exact, read_until).
class IncompleteReadError : public Error {
 public:
  IncompleteReadError(std::size_t expected, std::size_t received)
      : Error("the stream ended after " + std::to_string(received) + " of " +
              std::to_string(expected) + " expected bytes"),
        expected_(expected),
        received_(received) {}
  std::size_t expected() const noexcept { return expected_; }
  std::size_t received() const noexcept { return received_; }

 private:
  std::size_t expected_;
  std::size_t received_;
};

/// A line or delimited record was longer than the reader's limit (BufferedReader).
class LimitOverrunError : public Error {
 public:
  using Error::Error;
};

}  // namespace corio

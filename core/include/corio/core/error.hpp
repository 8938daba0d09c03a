// corio's exception types. Every error corio raises derives from corio::Error, and its
// message says what went wrong and what to do instead.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace corio {

/// Base of every exception corio throws (system call failures are std::system_error).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The API was used in a way it does not support: awaiting a moved-from task, spawning with
/// no runtime, calling a blocking function on a runtime worker. The message names the fix.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// The task was cancelled. Raised inside a cancelled task at its suspension point, and by
/// awaiting the JoinHandle of a task that was cancelled (including by runtime shutdown).
class CancelledError : public Error {
 public:
  CancelledError() : Error("the task was cancelled") {}
  using Error::Error;
};

/// wait_for / wait_until ran out of time (asyncio.TimeoutError). The inner work was
/// cancelled and had finished unwinding before this was thrown.
class TimeoutError : public Error {
 public:
  TimeoutError() : Error("the operation timed out (corio::wait_for / wait_until)") {}
  using Error::Error;
};

/// Several children of a TaskGroup failed (asyncio's ExceptionGroup). Holds every
/// exception other than cancellations, in the order they happened.
class ExceptionGroup : public Error {
 public:
  explicit ExceptionGroup(std::vector<std::exception_ptr> exceptions);
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }
  /// The first failure; rethrow it to handle one error like a plain exception.
  std::exception_ptr first() const noexcept { return exceptions_.front(); }

 private:
  std::vector<std::exception_ptr> exceptions_;
};

}  // namespace corio

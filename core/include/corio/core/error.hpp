// corio's exception types. Every error corio raises derives from corio::Error, and its
// message says what went wrong and what to do instead.
#pragma once

#include <stdexcept>
#include <string>

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

}  // namespace corio

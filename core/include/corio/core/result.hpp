// Result<T>: a task's outcome as a value, either its T or the exception it ended with. What
// gather(return_exceptions, ...) yields per child, as asyncio.gather(return_exceptions=True)
// puts exceptions in its result list.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace corio {

template <class T>
class Result {
 public:
  static Result from_value(T value) { return Result(std::in_place_index<0>, std::move(value)); }
  static Result from_exception(std::exception_ptr e) { return Result(std::in_place_index<1>, e); }

  bool has_value() const noexcept { return outcome_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; rethrows the exception when there is none.
  T& value() & {
    if (!has_value()) std::rethrow_exception(std::get<1>(outcome_));
    return std::get<0>(outcome_);
  }
  T&& value() && { return std::move(value()); }

  /// The exception, or null when there is a value.
  std::exception_ptr error() const noexcept {
    return has_value() ? nullptr : std::get<1>(outcome_);
  }

 private:
  template <std::size_t I, class U>
  Result(std::in_place_index_t<I> i, U&& u) : outcome_(i, std::forward<U>(u)) {}
  std::variant<T, std::exception_ptr> outcome_;
};

template <>
class Result<void> {
 public:
  static Result from_value() { return Result(nullptr); }
  static Result from_exception(std::exception_ptr e) { return Result(e); }

  bool has_value() const noexcept { return error_ == nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }
  std::exception_ptr error() const noexcept { return error_; }

 private:
  explicit Result(std::exception_ptr e) : error_(std::move(e)) {}
  std::exception_ptr error_;
};

}  // namespace corio

// A value computed on TBB's workers while its caller goes on: a case's smaller files read ahead
// of their use, while the input is read and summed.
#pragma once

#include <poolproof/common/error.h>
#include <tbb/task_group.h>

#include <exception>
#include <optional>
#include <utility>

namespace poolproof::golden::detail {

/// task() run on TBB's workers, or by get() itself when none has taken it yet (so never waiting
/// on a thread that cannot start). get() waits, then returns its value or rethrows what it threw:
/// its errors come where get() is called, in the caller's order. The task runs in a context of
/// its own, so a caller's cancelled TBB work never skips it.
template <typename T>
class computed_meanwhile {
 public:
  template <typename Task>
  explicit computed_meanwhile(Task task) : group_(context_) {
    group_.run([this, task = std::move(task)] {
      try {
        value_.emplace(task());
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }
  computed_meanwhile(const computed_meanwhile&) = delete;
  computed_meanwhile& operator=(const computed_meanwhile&) = delete;
  /// The task may read what the caller owns: it finishes first.
  ~computed_meanwhile() {
    try {
      group_.wait();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the task keeps its errors, so none comes
    }
  }

  /// The task's value, once it is done. Throws what the task threw.
  [[nodiscard]] T& get() {
    group_.wait();
    if (error_) std::rethrow_exception(error_);
    POOLPROOF_CHECK(value_.has_value());
    return *value_;
  }

 private:
  tbb::task_group_context context_{tbb::task_group_context::isolated};
  tbb::task_group group_;
  std::optional<T> value_;
  std::exception_ptr error_;
};

}  // namespace poolproof::golden::detail

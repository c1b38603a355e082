#include <poolproof/common/error.h>
#include <poolproof/common/program.h>

#include <filesystem>
#include <iostream>
#include <new>

namespace poolproof::common {
namespace {

constexpr std::size_t message_limit = 400;

int report(std::string_view program, std::string_view message, int status) {
  std::cerr << program << ": " << printable(message, message_limit) << "\n";
  return status;
}

}  // namespace

std::string decimal_problem(std::string_view text) {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && (text.size() == 1 || text.front() != '0')) return {};
  return "'" + printable(text, 40) + "' is not a decimal number";
}

int run_program(std::string_view program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const input_error& e) {
    return report(program, e.what(), exit_bad_input);
  } catch (const interrupted& e) {
    return report(program, e.what(), exit_interrupted);
  } catch (const std::filesystem::filesystem_error& e) {
    return report(program, e.what(), exit_bad_input);
  } catch (const std::bad_alloc&) {
    return report(program, "out of memory", exit_out_of_memory);
  } catch (const std::exception& e) {
    return report(program, std::string("internal error: ") + e.what(), exit_internal_error);
  } catch (...) {
    return report(program, "internal error: an unknown exception", exit_internal_error);
  }
}

}  // namespace poolproof::common

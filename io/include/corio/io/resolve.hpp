// resolve: host names to socket addresses (asyncio's loop.getaddrinfo), with getaddrinfo
// on the blocking pool.
//
//   std::vector<corio::SocketAddress> a = co_await corio::resolve("localhost", "8080");
#pragma once

#include <string>
#include <system_error>
#include <vector>

#include "corio/core/task.hpp"
#include "corio/io/address.hpp"

namespace corio {

/// Resolves `host` and `service` (a port number or a name from /etc/services) to TCP
/// addresses, in getaddrinfo's order, without duplicates. A numeric host is converted
/// without a thread hop.
/// Suspends: while getaddrinfo runs on the blocking pool. Resumes on: a worker.
/// Cancellation: throws CancelledError at once (the lookup finishes on its thread).
/// Errors: std::system_error (category: corio::resolve_category()) with getaddrinfo's
///   message and the host, e.g. "resolve no-such-host.invalid: Name or service not known".
Task<std::vector<SocketAddress>> resolve(std::string host, std::string service);

/// The error category of getaddrinfo's EAI_* codes.
const std::error_category& resolve_category() noexcept;

}  // namespace corio

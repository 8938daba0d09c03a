// The umbrella header: everything a corio program uses.
#pragma once

#include "corio/core/error.hpp"
#include "corio/core/gather.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/runtime.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"
#include "corio/core/yield_now.hpp"

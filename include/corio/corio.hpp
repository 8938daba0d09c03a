// The umbrella header: everything a corio program uses.
#pragma once

#include "corio/core/as_completed.hpp"
#include "corio/core/cancel.hpp"
#include "corio/core/error.hpp"
#include "corio/core/gather.hpp"
#include "corio/core/join_handle.hpp"
#include "corio/core/result.hpp"
#include "corio/core/runtime.hpp"
#include "corio/core/select.hpp"
#include "corio/core/spawn.hpp"
#include "corio/core/task.hpp"
#include "corio/core/task_group.hpp"
#include "corio/core/time.hpp"
#include "corio/core/timeout.hpp"
#include "corio/core/yield_now.hpp"

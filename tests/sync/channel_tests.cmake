# Channel and Queue tests.

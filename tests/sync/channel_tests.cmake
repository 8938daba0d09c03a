# Channel and Queue tests.
corio_add_test(channel_test channel_test.cpp LABELS threads)
corio_add_test(queue_test queue_test.cpp LABELS threads)
corio_add_test(channel_stress_test channel_stress_test.cpp LABELS "threads;stress")

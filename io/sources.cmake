# io/: sockets, files, DNS, signals, on core's IoReadiness.
set(CORIO_IO_SOURCES
)

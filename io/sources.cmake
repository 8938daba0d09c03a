# io/: sockets, files, DNS, signals, on core's IoReadiness.
set(CORIO_IO_SOURCES
  io/src/address.cpp
  io/src/file.cpp
  io/src/resolve.cpp
  io/src/server.cpp
  io/src/signal.cpp
  io/src/socket.cpp
  io/src/tcp.cpp
  io/src/udp.cpp
  io/src/unix.cpp
)

# Channel and the asyncio.Queue family.
set(CORIO_CHANNEL_SOURCES
  sync/src/channel.cpp
)

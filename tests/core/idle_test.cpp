// Idle (core/src/idle.hpp): the searching and unparked counts behind every wake-up
// decision, driven one step at a time on one thread, including the moment a producer looks
// while a worker is between counting itself out and joining the sleepers.
#include "idle.hpp"

#include <gtest/gtest.h>

namespace {

using corio::detail::Idle;

auto no_mail = [] { return false; };

TEST(IdleTest, NobodyIsWokenWhileEveryWorkerIsUp) {
  Idle idle(2);
  EXPECT_FALSE(idle.should_notify());
  EXPECT_FALSE(idle.worker_to_notify().has_value());
}

TEST(IdleTest, AtMostHalfOfTheWorkersSearch) {
  Idle idle(2);
  EXPECT_TRUE(idle.transition_to_searching());
  EXPECT_FALSE(idle.transition_to_searching());
  EXPECT_TRUE(idle.transition_from_searching());  // it was the last searcher
  EXPECT_TRUE(idle.transition_to_searching());
}

TEST(IdleTest, TheLastSearcherToParkMustRecheckAndASleeperIsThenWoken) {
  Idle idle(2);
  ASSERT_TRUE(idle.transition_to_searching());
  // A producer that looks after the worker counted itself out (here: from inside the
  // park, before it joins the sleepers) must see that somebody has to be woken.
  bool producer_would_notify = false;
  Idle::ParkResult parked = idle.transition_to_parked(1, /*was_searching=*/true, [&] {
    producer_would_notify = idle.should_notify();
    return false;
  });
  EXPECT_TRUE(producer_would_notify);
  EXPECT_TRUE(parked.parked);
  EXPECT_TRUE(parked.last_searcher);
  EXPECT_FALSE(parked.last_awake);

  ASSERT_TRUE(idle.should_notify());
  EXPECT_EQ(idle.worker_to_notify(), 1u);
  // The woken worker counts as a searcher: nobody else is woken for the same work.
  EXPECT_FALSE(idle.should_notify());
  EXPECT_EQ(idle.on_wakeup(1, /*has_work=*/false), Idle::Wakeup::notified);
  EXPECT_TRUE(idle.transition_from_searching());
}

TEST(IdleTest, AParkingWorkerIsNotReportedAsTheLastSearcherWhileAnotherSearches) {
  Idle idle(4);
  ASSERT_TRUE(idle.transition_to_searching());
  ASSERT_TRUE(idle.transition_to_searching());
  Idle::ParkResult parked = idle.transition_to_parked(3, /*was_searching=*/true, no_mail);
  EXPECT_FALSE(parked.last_searcher);
  // One worker searches: a producer leaves the work to it.
  EXPECT_FALSE(idle.should_notify());
  EXPECT_TRUE(idle.transition_from_searching());
  EXPECT_TRUE(idle.should_notify());
}

TEST(IdleTest, TheLastWorkerToParkIsToldEveryoneSleeps) {
  Idle idle(2);
  EXPECT_FALSE(idle.transition_to_parked(0, /*was_searching=*/false, no_mail).last_awake);
  EXPECT_TRUE(idle.transition_to_parked(1, /*was_searching=*/false, no_mail).last_awake);
  EXPECT_TRUE(idle.notify_worker(0));
  EXPECT_FALSE(idle.notify_worker(0));  // no longer asleep
  EXPECT_EQ(idle.on_wakeup(0, /*has_work=*/false), Idle::Wakeup::notified);
  // Worker 1 woke by itself with work of its own (an I/O event, a timer).
  EXPECT_EQ(idle.on_wakeup(1, /*has_work=*/true), Idle::Wakeup::left);
  EXPECT_FALSE(idle.should_notify());
}

TEST(IdleTest, AWorkerWithMailStaysCountedAsItWas) {
  Idle idle(2);
  ASSERT_TRUE(idle.transition_to_searching());
  Idle::ParkResult parked =
      idle.transition_to_parked(1, /*was_searching=*/true, [] { return true; });
  EXPECT_FALSE(parked.parked);
  EXPECT_FALSE(idle.should_notify());             // still counted awake...
  EXPECT_FALSE(idle.notify_addressee(1));         // ...so a poster need not wake it
  EXPECT_TRUE(idle.transition_from_searching());  // ...and still a searcher
}

TEST(IdleTest, APosterWakesTheParkedAddresseeAsASearcher) {
  Idle idle(2);
  ASSERT_TRUE(idle.transition_to_parked(0, /*was_searching=*/false, no_mail).parked);
  EXPECT_TRUE(idle.notify_addressee(0));
  EXPECT_FALSE(idle.should_notify());
  EXPECT_EQ(idle.on_wakeup(0, /*has_work=*/true), Idle::Wakeup::notified);
  EXPECT_TRUE(idle.transition_from_searching());
}

TEST(IdleTest, ASpuriousWakeupLeavesTheWorkerAsleep) {
  Idle idle(2);
  ASSERT_TRUE(idle.transition_to_parked(1, /*was_searching=*/false, no_mail).parked);
  EXPECT_EQ(idle.on_wakeup(1, /*has_work=*/false), Idle::Wakeup::still_parked);
  EXPECT_TRUE(idle.should_notify());
  EXPECT_EQ(idle.worker_to_notify(), 1u);
}

}  // namespace

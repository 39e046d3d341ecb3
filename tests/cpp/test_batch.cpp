// The worker pool and the resampler, without Python.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "decoders/table.hpp"
#include "src/operations/decode_batch.hpp"
#include "src/resize.hpp"
#include "src/worker_pool.hpp"

using namespace mediaview;

TEST(WorkerPool, RunsEveryItemOnceAndReturnsAfterAll) {
    WorkerPool pool(2);
    std::vector<std::atomic<int>> seen(1000);
    pool.run(seen.size(), [&](std::size_t i) { seen[i]++; });
    for (auto& s : seen) EXPECT_EQ(s.load(), 1);
    pool.run(0, [](std::size_t) { FAIL(); });
}

TEST(WorkerPool, TheCallerWorksOnItsOwnJob) {
    // No workers: every item runs on the calling thread.
    WorkerPool alone(0);
    EXPECT_EQ(alone.size(), 1);
    const std::thread::id caller = std::this_thread::get_id();
    std::atomic<int> elsewhere{0};
    alone.run(100, [&](std::size_t) { elsewhere += std::this_thread::get_id() != caller; });
    EXPECT_EQ(elsewhere.load(), 0);
    // Two callers of a one-thread pool run side by side: each waits for the
    // other inside its own item, which deadlocks if they were serialised.
    WorkerPool& one = WorkerPool::shared(1);
    std::atomic<int> arrived{0};
    auto meet = [&](std::size_t) {
        ++arrived;
        while (arrived.load() < 2) std::this_thread::yield();
    };
    std::thread other([&] { one.run(1, meet); });
    one.run(1, meet);
    other.join();
    EXPECT_EQ(arrived.load(), 2);
}

TEST(WorkerPool, SeveralCallersShareOnePool) {
    WorkerPool& pool = WorkerPool::shared(2);
    EXPECT_EQ(&pool, &WorkerPool::shared(2));
    std::atomic<long> total{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; ++c)
        callers.emplace_back([&] { pool.run(250, [&](std::size_t i) { total += static_cast<long>(i); }); });
    for (auto& t : callers) t.join();
    EXPECT_EQ(total.load(), 4L * (249L * 250L / 2));
    EXPECT_GE(WorkerPool::usable_cores(), 1);
}

TEST(WorkerPool, AnInterruptStopsBetweenItemsAfterTheRunningOnesFinish) {
    for (int workers : {0, 1, 3}) {
        WorkerPool pool(workers);
        std::atomic<int> started{0}, finished{0}, polls{0};
        auto task = [&](std::size_t) {
            ++started;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            ++finished;
        };
        InterruptPoll stop_soon = [&] { return ++polls >= 3; };
        EXPECT_THROW(pool.run(100000, task, stop_soon), Interrupted);
        EXPECT_EQ(started.load(), finished.load()) << workers;  // nothing left running
        EXPECT_LT(started.load(), 1000) << workers;             // and the rest never started
        // The pool is still usable.
        std::atomic<int> count{0};
        pool.run(10, [&](std::size_t) { ++count; }, [] { return false; });
        EXPECT_EQ(count.load(), 10);
    }
}

TEST(Resize, AConstantImageStaysConstantForEveryFilterAndLayout) {
    for (ResizeFilter f : {ResizeFilter::Area, ResizeFilter::Bilinear, ResizeFilter::Bicubic, ResizeFilter::Lanczos}) {
        for (Index channels : {1, 2, 3, 4}) {
            std::vector<Index> in_shape = {37, 53}, out_shape = {20, 31};
            if (channels > 1) {
                in_shape.push_back(channels);
                out_shape.push_back(channels);
            }
            StridedArray src = StridedArray::allocate(DType::U8, in_shape);
            std::memset(src.data(), 77, src.nbytes());
            StridedArray dst = StridedArray::allocate(DType::U8, out_shape);
            resize_into(src, dst, f);
            for (std::size_t i = 0; i < dst.nbytes(); ++i) ASSERT_NEAR(dst.data()[i], 77, 1) << i;
        }
    }
}

TEST(Resize, SixteenBitAndStridedTargets) {
    StridedArray src = StridedArray::allocate(DType::U16, {40, 40, 3});
    auto* p = reinterpret_cast<std::uint16_t*>(src.data());
    for (std::size_t i = 0; i < src.count(); ++i) p[i] = 40000;
    // A flipped (negative row stride) target goes through scratch rows.
    StridedArray dst = StridedArray::allocate(DType::U16, {10, 12, 3}).flipped(0);
    resize_into(src, dst, ResizeFilter::Bilinear);
    for (Index r = 0; r < 10; ++r) {
        auto* row = reinterpret_cast<std::uint16_t*>(dst.data() + r * dst.strides()[0]);
        for (int i = 0; i < 36; ++i) ASSERT_NEAR(row[i], 40000, 2);
    }
}

// 3 and 4 channels are split into planes, scaled plane by plane and
// interleaved again: every channel keeps its own values (none leaks into
// another, as a colour conversion would), in its own place, for every
// layout of the pixels: adjacent, every other pixel of a wider array, and
// 16-bit.
TEST(Resize, EachChannelIsResampledOnItsOwn) {
    const std::uint32_t values[4] = {10, 100, 200, 250};
    for (DType dtype : {DType::U8, DType::U16}) {
        for (Index channels : {3, 4}) {
            for (bool every_other : {false, true}) {
                StridedArray wide_src = StridedArray::allocate(dtype, {30, 2 * 41, channels});
                StridedArray wide_dst = StridedArray::allocate(dtype, {17, 2 * 23, channels});
                auto view = [&](const StridedArray& a, Index w) {
                    if (!every_other) return window(a, 0, 0, w, a.shape()[0]);
                    return StridedArray(a.storage(), a.dtype(), {a.shape()[0], w, channels},
                                        {a.strides()[0], 2 * a.strides()[1], a.strides()[2]});
                };
                StridedArray src = view(wide_src, 41), dst = view(wide_dst, 23);
                fill_pixels(src, {values[0], values[1], values[2], values[3]});
                resize_into(src, dst, ResizeFilter::Lanczos);
                const Index item = static_cast<Index>(dst.itemsize());
                for (Index r = 0; r < dst.shape()[0]; ++r)
                    for (Index c = 0; c < dst.shape()[1]; ++c)
                        for (Index k = 0; k < channels; ++k) {
                            const std::uint8_t* at = dst.data() + r * dst.strides()[0] + c * dst.strides()[1] + k * item;
                            std::uint16_t v = *at;
                            if (dtype == DType::U16) std::memcpy(&v, at, 2);
                            ASSERT_NEAR(v, values[k], 1) << r << "," << c << "," << k;
                        }
            }
        }
    }
}

TEST(Resize, WindowsFillAndNames) {
    StridedArray a = StridedArray::allocate(DType::U8, {4, 5, 3});
    fill_pixels(a, {1, 2, 3});
    fill_pixels(window(a, 1, 1, 2, 2), {9});
    EXPECT_EQ(a.data()[0], 1);
    EXPECT_EQ(a.data()[2], 3);
    const std::uint8_t* inside = a.data() + a.strides()[0] + a.strides()[1];
    EXPECT_EQ(inside[0], 9);
    EXPECT_EQ(inside[2], 9);
    EXPECT_EQ(fit_from_name("cover"), Fit::Cover);
    EXPECT_THROW(fit_from_name("stretch"), std::invalid_argument);
    EXPECT_THROW(resize_filter_from_name("nearest"), std::invalid_argument);
}

TEST(DecodeBatch, StacksAndReportsFailuresPerSlot) {
    std::string sample = std::string(MEDIAVIEW_SOURCE_DIR) + "/samples/chelsea_420.jpg";
    std::vector<BatchSource> sources = {{{}, sample, "a"}, {{}, "/nonexistent.jpg", "b"}, {{}, sample, "c"}};
    ImageRequest request;
    request.resize = ResizeRequest{32, 24, Fit::Cover, ResizeFilter::Area, {}, 2.0};
    DecodedBatch batch = decode_images(codecs(), sources, request, true, nullptr, 2);
    ASSERT_EQ(batch.stacked.shape(), (std::vector<Index>{3, 24, 32, 3}));
    ASSERT_EQ(batch.failures.size(), 1u);
    EXPECT_EQ(batch.failures[0].index, 1u);
    const std::size_t slot = 24 * 32 * 3;
    EXPECT_EQ(std::memcmp(batch.stacked.data(), batch.stacked.data() + 2 * slot, slot), 0);
    for (std::size_t i = 0; i < slot; ++i) ASSERT_EQ(batch.stacked.data()[slot + i], 0);
}

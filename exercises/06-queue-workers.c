/*
 * Exercise 06-queue-workers — producer and consumers over a Queue.
 *
 * Lecture: q = Queue(); consumers loop on q.get() until they get a
 * sentinel (None); the producer puts the work, then one sentinel per
 * consumer, so every consumer stops exactly once.
 *
 * Task: make a Queue, start nconsumers processes, put every items[i] (an
 * int32_t) on it, then nconsumers sentinels (EX_SENTINEL). Each consumer
 * gets items until it gets a sentinel and adds them up, then sends its
 * partial sum back to the parent (a second queue works well). *sum_out =
 * the total. Join the consumers, free the queues, return 0.
 *
 * The grader checks the sum, that every item went through the queue
 * exactly once, and that each consumer took a sentinel.
 *
 * Build and grade:  make grade EX=06
 */
#include "exercise.h"

int ex_queue_workers(const int32_t *items, size_t n, int nconsumers, int64_t *sum_out)
{
    /* TODO 1: mp_queue_new(0) for the work and one for the partial sums,
     *         before starting the consumers. */
    /* TODO 2: the consumer: get an int32_t, stop at EX_SENTINEL, else add
     *         it; put its int64_t sum on the second queue. */
    /* TODO 3: the parent: put the items, then one sentinel per consumer;
     *         get nconsumers partial sums, join, free. */
    (void)items, (void)n, (void)nconsumers, (void)sum_out;
    return -ENOSYS;
}

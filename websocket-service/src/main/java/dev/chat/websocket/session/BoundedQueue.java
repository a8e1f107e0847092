package dev.chat.websocket.session;

import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A session's outbound queue: bounded, thread-safe, and lazy: it holds nothing but a few fields while
 * empty, which an idle session's queue almost always is (an {@code ArrayBlockingQueue} of 1,024 took
 * 4 KB per session up front, the largest share of an idle session's heap).
 */
final class BoundedQueue<T> extends AbstractQueue<T> {

    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;

    BoundedQueue(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public boolean offer(T item) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        items.offer(item);
        return true;
    }

    @Override
    public T poll() {
        T item = items.poll();
        if (item != null) {
            size.decrementAndGet();
        }
        return item;
    }

    @Override
    public T peek() {
        return items.peek();
    }

    @Override
    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public int size() {
        return Math.max(0, size.get());
    }

    int remainingCapacity() {
        return capacity - size();
    }

    @Override
    public Iterator<T> iterator() {
        return items.iterator();
    }

    @Override
    public void clear() {
        while (poll() != null) {
            // drop
        }
    }
}

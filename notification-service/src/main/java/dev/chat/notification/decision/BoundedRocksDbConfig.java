package dev.chat.notification.decision;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * One bounded pool of RocksDB memory for all the decision's stores of this instance (2 stores per partition,
 * up to 24 with 12 partitions): a shared 32 MiB block cache that also holds the memtables (at most 16 MiB)
 * and the index and filter blocks. Without it each store takes its own cache and buffers (~50 MiB+ each,
 * off-heap), far beyond the container's memory limit. The stores are small (pending decisions of a few
 * seconds, and watermarks); this is plenty.
 */
public class BoundedRocksDbConfig implements RocksDBConfigSetter {

    static final long CACHE_BYTES = 32L * 1024 * 1024;
    static final long MEMTABLE_BYTES = 16L * 1024 * 1024;

    static {
        RocksDB.loadLibrary();
    }

    private static final Cache CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.1);
    private static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setWriteBufferSize(4L * 1024 * 1024);
        options.setMaxWriteBufferNumber(2);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every store and live as long as the process
    }
}

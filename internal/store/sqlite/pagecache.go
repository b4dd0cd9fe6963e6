package sqlite

import (
	"log/slog"
	"sync"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// pageSlots is the number of pages (of 4 KB, the databases' page size) in
// the process-wide page-cache pool given to SQLite: as many as the full
// caches of one database's connections (an idle connection keeps its
// cache until its next transaction), and a tenth more for the databases a
// process opens besides (tests, commands). Pages beyond it, or of other
// sizes, are allocated one by one as before. The pool is address space
// until used: only the pages connections cache become resident.
const pageSlots = maxConns * cacheKiB / 4 * 11 / 10

var (
	pageCacheOnce sync.Once
	// pageHeader receives SQLite's page header size; a package variable,
	// whose address does not move, since SQLite writes through it.
	pageHeader int32
)

// configurePageCache gives SQLite one pool of page-cache memory for the
// process (SQLITE_CONFIG_PAGECACHE), before the first connection opens.
//
// Every connection drops its whole page cache when its next transaction
// finds that another connection has committed since, which under a steady
// load of checks is every transaction. Page by page, the pages went back
// to modernc's allocator, which hands memory beyond 4 MB a size class back
// to the kernel (madvise), and the cache's next pages were allocated again
// and zero-filled by page faults: in a profile of 300-passenger manifests
// that was a quarter of the CPU (pager_reset 12 %, pcache1AllocPage 12 %).
// From the pool, a dropped page is a free slot, taken again as it is.
//
// It must run before SQLite initialises (the first connection of the
// process); later, SQLite refuses it and the default stays, which is
// logged, not an error.
func configurePageCache(log *slog.Logger) {
	pageCacheOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		va := libc.NewVaList(uintptr(unsafe.Pointer(&pageHeader)))
		rc := lib.Xsqlite3_config(tls, lib.SQLITE_CONFIG_PCACHE_HDRSZ, va)
		libc.Xfree(tls, va)
		if rc != lib.SQLITE_OK {
			log.Warn("sqlite: cannot read the page header size; the page cache stays as it is", "rc", rc)
			return
		}
		slot := (4096 + int(pageHeader) + 7) &^ 7
		buf := libc.Xmalloc(tls, libc.Tsize_t(slot*pageSlots))
		if buf == 0 {
			log.Warn("sqlite: no memory for the page-cache pool; the page cache stays as it is")
			return
		}
		va = libc.NewVaList(buf, int32(slot), int32(pageSlots))
		rc = lib.Xsqlite3_config(tls, lib.SQLITE_CONFIG_PAGECACHE, va)
		libc.Xfree(tls, va)
		if rc != lib.SQLITE_OK {
			libc.Xfree(tls, buf)
			log.Warn("sqlite: SQLite was initialised before the page-cache pool could be given; the page cache stays as it is", "rc", rc)
		}
	})
}

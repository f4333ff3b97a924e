/* test_evl_kqueue: test_evl's cases against evl_kqueue.c, over tests/bsd/kqueue_compat.h. */
#define T_SUITE "evl_kqueue"
#include "test_evl.c"

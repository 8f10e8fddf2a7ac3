#ifndef STIRD_CDATAGRAMS_H
#define STIRD_CDATAGRAMS_H
#include <stddef.h>
#include <sys/socket.h>

/* One datagram slot for stird_receive_datagrams: the caller's buffer, and
   what the kernel wrote into it. */
struct stird_datagram {
    void *buffer;
    size_t capacity;
    /* Filled in: bytes received, the sender, and whether the datagram was
       longer than `capacity` (then only `capacity` bytes were kept). */
    size_t length;
    struct sockaddr_storage from;
    int truncated;
};

/* Receives up to `count` datagrams (count <= 64) with one recvmmsg(2) call.
   wait != 0: block until the first datagram (or the socket's SO_RCVTIMEO),
   then take whatever else is queued without waiting (MSG_WAITFORONE);
   wait == 0: take only what is queued (MSG_DONTWAIT). Returns how many
   slots were filled, or -1 with errno set (EAGAIN/EWOULDBLOCK: nothing
   arrived). Glibc declares recvmmsg only under _GNU_SOURCE, which Swift's
   Glibc module does not define; hence this C file. */
int stird_receive_datagrams(int fd, struct stird_datagram *slots, unsigned int count, int wait);

/* epoll(7) for the stream poller, with descriptors as the only payload:
   Swift imports the packed struct epoll_event awkwardly, so these keep it
   on the C side. stird_poll_create returns an epoll descriptor or -1;
   stird_poll_add watches fd for input (level-triggered: a descriptor not
   drained is reported again) and stird_poll_remove stops that, both 0 or
   -1 with errno. stird_poll_wait fills up to `max` descriptors that are
   readable, hung up or in error, waiting at most timeout_ms; returns how
   many, 0 on timeout, -1 with errno. */
int stird_poll_create(void);
int stird_poll_add(int epfd, int fd);
int stird_poll_remove(int epfd, int fd);
int stird_poll_wait(int epfd, int *fds, int max, int timeout_ms);

#endif

/* SPDX-License-Identifier: MIT */
/* One-frame send and receive of tact_msg_t over ZeroMQ, and command names for logs. */
#include "actors/mailbox.h"

#include <zmq.h>

int tact__msg_send(void *sock, const tact_msg_t *msg)
{
    for (;;) {
        if (zmq_send(sock, msg, sizeof *msg, 0) == (int) sizeof *msg)
            return 0;
        if (zmq_errno() != EINTR)
            return -1;
    }
}

int tact__msg_recv(void *sock, tact_msg_t *msg)
{
    for (;;) {
        int n = zmq_recv(sock, msg, sizeof *msg, 0);
        if (n == (int) sizeof *msg)
            return 0;
        TACT_ASSERT(n < 0);  /* only tact writes these sockets: a short frame is a bug */
        if (zmq_errno() != EINTR)
            return -1;
    }
}

const char *tact__cmd_name(uint32_t cmd)
{
    switch (cmd) {
#define XX(UP, low)        \
    case TACT_CMD_##UP:    \
        return #UP;
        TACT_CMD_MAP(XX)
#undef XX
    default:
        return "?";
    }
}

/* shares.h — the handlers of app/api/shares.c (issue 13). */
#ifndef IG_API_SHARES_H
#define IG_API_SHARES_H

#include "app/fcgi/http.h"

#endif

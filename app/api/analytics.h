/* analytics.h — the handlers of app/api/analytics.c (issue 13). */
#ifndef IG_API_ANALYTICS_H
#define IG_API_ANALYTICS_H

#include "app/fcgi/http.h"

#endif

/* projects.h — the handlers of app/api/projects.c (issue 13). */
#ifndef IG_API_PROJECTS_H
#define IG_API_PROJECTS_H

#include "app/fcgi/http.h"

#endif

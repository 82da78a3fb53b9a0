// The management plane's migrations, one function each, written in the file of the area that owns
// their tables (mgmt/schema/<area>.cpp); mgmt/mgmt_schema.cpp lists them in order.
#pragma once

#include "mgmt/store/sql.h"

namespace mgmt::schema {

store::Migration v1();  // platform.cpp
store::Migration v2();  // platform.cpp
store::Migration v3();  // access.cpp
store::Migration v4();  // billing.cpp
store::Migration v5();  // onboarding.cpp
store::Migration v6();  // customers.cpp
store::Migration v7();  // insight.cpp
store::Migration v8();  // billing.cpp
store::Migration v9();  // partners.cpp
store::Migration v10();  // onboarding.cpp
store::Migration v11();  // billing.cpp
store::Migration v12();  // platform.cpp
store::Migration v13();  // importing.cpp
store::Migration v14();  // billing.cpp
store::Migration v15();  // access.cpp
store::Migration v16();  // fleet.cpp
store::Migration v17();  // monitoring.cpp
store::Migration v18();  // onboarding.cpp
store::Migration v19();  // monitoring.cpp
store::Migration v20();  // partners.cpp
store::Migration v21();  // partners.cpp
store::Migration v22();  // billing.cpp
store::Migration v23();  // monitoring.cpp
store::Migration v24();  // partners.cpp
store::Migration v25();  // onboarding.cpp
store::Migration v26();  // monitoring.cpp
store::Migration v27();  // importing.cpp
store::Migration v28();  // monitoring.cpp
store::Migration v29();  // insight.cpp
store::Migration v30();  // billing.cpp

}  // namespace mgmt::schema

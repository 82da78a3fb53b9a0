# 2026-11-30 09:14:02 by RouterOS 7.16.1
# software id = 7K2Q-XR4N
#
# model = CCR2004-1G-12S+2XS
# (A /user-manager export written for the importer's tests from the property lists of RouterOS v7's
# User Manager documentation, help.mikrotik.com "User Manager": the menus limitation, profile,
# profile-limitation, user and user-profile, in the order /export writes them.)
/user-manager
set certificate=um-radius enabled=yes
/user-manager router
add address=192.0.2.1 name=bras1 shared-secret=bras-secret-0001
/user-manager limitation
add name=lim-10M rate-limit-burst-rx=8M rate-limit-burst-threshold-rx=4M \
    rate-limit-burst-threshold-tx=8M rate-limit-burst-time-rx=16s \
    rate-limit-burst-time-tx=16s rate-limit-burst-tx=16M rate-limit-rx=5M \
    rate-limit-tx=10M reset-counters-interval=monthly transfer-limit=50GiB
add name=lim-2M rate-limit-rx=1M rate-limit-tx=2M uptime-limit=30h
add download-limit=1GiB name=lim-night rate-limit-rx=20M rate-limit-tx=20M
/user-manager profile
add name=home-10 name-for-users="Home 10 Mbit/s" price=19.99 validity=unlimited
add name=hotspot-day name-for-users="Hotspot: one day" price=1.50 starts-when=\
    first-auth validity=1d
add name=empty name-for-users="No limits"
/user-manager profile-limitation
add limitation=lim-10M profile=home-10
add from-time=0s limitation=lim-night profile=home-10 till-time=6h weekdays=\
    sunday,monday,tuesday,wednesday,thursday,friday,saturday
add limitation=lim-2M profile=hotspot-day
/user-manager user
add name=alice password=alice-secret shared-users=2
add attributes=Framed-IP-Address:198.51.100.20 caller-id=AA:BB:CC:DD:EE:02 \
    name=bob password="b\"o b\\1"
add disabled=yes name=carol password=carol-pw
add attributes="Mikrotik-Rate-Limit:3M/6M,Session-Timeout:3600,Class:vip" \
    name=dave password=dave-pw
add name=erin password=erin-pw
add name=frank password=""
add comment="walk-in guest" name=guest1 password=g1-pw
/user-manager user-profile
add profile=home-10 user=alice
add profile=home-10 user=bob
add profile=home-10 user=carol
add profile=home-10 user=dave
add profile=empty user=erin
add profile=hotspot-day user=guest1
add profile=home-10 user=guest1

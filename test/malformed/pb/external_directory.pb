Byj
location.p
# The moto server of the `state list` rows of `npm run bench`, on 127.0.0.1:<argv[1]>. It writes state objects
# into its own buckets in-process as they come on stdin (one JSON line [bucket, [[key, body], ...]] each, answered
# "done"): over HTTP moto takes some 9 ms a PutObject, 90 s for 10,000 keys. Ends when stdin closes.
import json
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.s3.models import s3_backends

server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print("ready", flush=True)
s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
for line in sys.stdin:
    bucket, objects = json.loads(line)
    for key, body in objects:
        s3.put_object(bucket, key, body.encode())
    print("done", flush=True)
server.stop()

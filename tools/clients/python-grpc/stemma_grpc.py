#!/usr/bin/env python3
"""Call Stemma over gRPC from Python with nothing generated ahead of time.

The program asks the server's reflection service which services it offers
and for their .proto descriptors, builds message classes from them at run
time, then calls CheckCompatibility and CreateWork (the key in the call's
metadata) and shows how a refused call reads. Each result is printed on one
line as `LABEL <compact JSON>`, so that a person can read it and a test can
parse it.

Needs grpcio and protobuf (Debian: python3-grpcio, python3-protobuf); no
generated code and no grpcio-reflection package: the reflection protocol's
few messages are described below by hand.

    STEMMA_API_KEY=stm_... python3 stemma_grpc.py --target 127.0.0.1:9090
"""

import argparse
import json
import os
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

FDP = descriptor_pb2.FieldDescriptorProto


def reflection_file(package):
    """The part of grpc/reflection/<version>/reflection.proto this program
    uses. Fields it leaves out are skipped on the wire as unknown ones."""
    f = descriptor_pb2.FileDescriptorProto(
        name="stemma_example/%s/reflection.proto" % package, package=package, syntax="proto3")

    def message(name, *fields, oneof=None):
        m = f.message_type.add(name=name)
        if oneof:
            m.oneof_decl.add(name=oneof)
        for number, fname, ftype, label, type_name, in_oneof in fields:
            fd = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                fd.type_name = ".%s.%s" % (package, type_name)
            if in_oneof:
                fd.oneof_index = 0

    opt, rep = FDP.LABEL_OPTIONAL, FDP.LABEL_REPEATED
    message("ServerReflectionRequest",
            (1, "host", FDP.TYPE_STRING, opt, None, False),
            (4, "file_containing_symbol", FDP.TYPE_STRING, opt, None, True),
            (7, "list_services", FDP.TYPE_STRING, opt, None, True),
            oneof="message_request")
    message("FileDescriptorResponse", (1, "file_descriptor_proto", FDP.TYPE_BYTES, rep, None, False))
    message("ServiceResponse", (1, "name", FDP.TYPE_STRING, opt, None, False))
    message("ListServiceResponse", (1, "service", FDP.TYPE_MESSAGE, rep, "ServiceResponse", False))
    message("ErrorResponse",
            (1, "error_code", FDP.TYPE_INT32, opt, None, False),
            (2, "error_message", FDP.TYPE_STRING, opt, None, False))
    message("ServerReflectionResponse",
            (4, "file_descriptor_response", FDP.TYPE_MESSAGE, opt, "FileDescriptorResponse", True),
            (6, "list_services_response", FDP.TYPE_MESSAGE, opt, "ListServiceResponse", True),
            (7, "error_response", FDP.TYPE_MESSAGE, opt, "ErrorResponse", True),
            oneof="message_response")
    svc = f.service.add(name="ServerReflection")
    svc.method.add(name="ServerReflectionInfo",
                   input_type=".%s.ServerReflectionRequest" % package,
                   output_type=".%s.ServerReflectionResponse" % package,
                   client_streaming=True, server_streaming=True)
    return f


def message_class(pool, full_name):
    desc = pool.FindMessageTypeByName(full_name)
    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


class Reflection:
    """A client of the server reflection service: grpc.reflection.v1, or
    v1alpha for servers that only have the older name."""

    def __init__(self, channel):
        self.channel = channel
        for package in ("grpc.reflection.v1", "grpc.reflection.v1alpha"):
            pool = descriptor_pool.DescriptorPool()
            pool.Add(reflection_file(package))
            self.request = message_class(pool, package + ".ServerReflectionRequest")
            self.response = message_class(pool, package + ".ServerReflectionResponse")
            self.stream = channel.stream_stream(
                "/%s.ServerReflection/ServerReflectionInfo" % package,
                request_serializer=self.request.SerializeToString,
                response_deserializer=self.response.FromString)
            try:
                self.services()
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.UNIMPLEMENTED:
                    continue
                raise
            self.version = package
            return
        raise RuntimeError("the server offers no gRPC reflection")

    def ask(self, **request):
        (answer,) = list(self.stream(iter([self.request(**request)])))
        if answer.HasField("error_response"):
            raise RuntimeError("reflection: %s" % answer.error_response.error_message)
        return answer

    def services(self):
        answer = self.ask(list_services="")
        return [s.name for s in answer.list_services_response.service]

    def files_of(self, symbol):
        """The descriptors of the file defining symbol and of every file it
        imports, as FileDescriptorProtos."""
        answer = self.ask(file_containing_symbol=symbol)
        files = []
        for raw in answer.file_descriptor_response.file_descriptor_proto:
            files.append(descriptor_pb2.FileDescriptorProto.FromString(raw))
        return files


def add_in_order(pool, files, added):
    """Add files to the pool, each after the files it imports."""
    by_name = {f.name: f for f in files}

    def add(name):
        if name in added or name not in by_name:
            return
        added.add(name)
        for dep in by_name[name].dependency:
            add(dep)
        pool.Add(by_name[name])

    for name in by_name:
        add(name)


class Stub:
    """Calls the unary methods of one service, messages as dicts."""

    def __init__(self, channel, pool, service_name):
        self.channel, self.pool = channel, pool
        self.service = pool.FindServiceByName(service_name)

    def call(self, method, request, key=None):
        m = self.service.methods_by_name[method]
        req_cls = message_class(self.pool, m.input_type.full_name)
        resp_cls = message_class(self.pool, m.output_type.full_name)
        rpc = self.channel.unary_unary(
            "/%s/%s" % (self.service.full_name, method),
            request_serializer=req_cls.SerializeToString,
            response_deserializer=resp_cls.FromString)
        metadata = [("authorization", "Bearer " + key)] if key else None
        resp = rpc(json_format.ParseDict(request, req_cls()), metadata=metadata, timeout=30)
        return json_format.MessageToDict(resp)


def show(label, value):
    print(label, json.dumps(value, sort_keys=True, separators=(",", ":")), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="127.0.0.1:9090", help="Stemma's gRPC address, host:port")
    ap.add_argument("--work-id", default="", help="the id of the work to create (default: the server picks)")
    args = ap.parse_args()
    key = os.environ.get("STEMMA_API_KEY", "")

    with grpc.insecure_channel(args.target) as channel:
        reflection = Reflection(channel)
        services = sorted(s for s in reflection.services() if s.startswith("stemma."))
        show("SERVICES", {"reflection": reflection.version, "services": services})

        pool, added = descriptor_pool.DescriptorPool(), set()
        for name in services:
            add_in_order(pool, reflection.files_of(name), added)
        methods = {name: sorted(pool.FindServiceByName(name).methods_by_name) for name in services}
        show("METHODS", methods)

        licences = Stub(channel, pool, "stemma.licences.v1.LicenceService")
        catalog = Stub(channel, pool, "stemma.catalog.v1.CatalogService")

        verdict = licences.call("CheckCompatibility",
                                {"inbound": "MIT", "outbound": "GPL-3.0-only", "use": "USE_INCORPORATE"})
        show("CheckCompatibility", verdict)

        work = {"kind": "WORK_KIND_TEXT", "title": "Notes on a commons", "licence": "CC-BY-4.0",
                "creators": [{"name": "Ada Lovelace"}]}
        show("CreateWork", catalog.call("CreateWork", {"work": work, "workId": args.work_id}, key=key))

        # A refused call is a grpc.RpcError carrying the status code and message.
        try:
            catalog.call("CreateWork", {"work": dict(work, licence="MIT AND")}, key=key)
        except grpc.RpcError as e:
            show("Refused", {"code": e.code().name, "message": e.details()})
        else:
            show("Refused", {"code": "OK", "message": "a bad licence expression was accepted"})
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

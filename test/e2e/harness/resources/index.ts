import { localCommandHandler } from "./command";
import { containerHandler } from "./container";
import { builtImageHandler } from "./built-image";
import { remoteImageHandler } from "./image";
import { networkHandler, volumeHandler } from "./network";
import { randomHandler } from "./random";
import { privateKeyHandler, selfSignedCertHandler } from "./tls";
import { replaceOnly, ResourceHandler } from "./types";

/** The Docker provider itself: the local engine, with nothing to configure. */
const dockerProviderHandler = replaceOnly(async (name, values) => {
  const auth = values.registryAuth;
  if (values.host !== undefined || (Array.isArray(auth) && auth.length > 0)) {
    throw new Error(`e2e harness: provider ${name} uses settings the harness does not apply (host, registryAuth)`);
  }
  return { id: name, outputs: values };
});

/** Every resource type the `local` target may register, and how the harness makes it real. */
export function resourceHandlers(registry: Record<string, string>): Record<string, ResourceHandler> {
  return {
    "pulumi:providers:docker": dockerProviderHandler,
    "docker:index/container:Container": containerHandler,
    "docker:index/network:Network": networkHandler,
    "docker:index/volume:Volume": volumeHandler,
    "docker:index/remoteImage:RemoteImage": remoteImageHandler(registry),
    "docker:index/image:Image": builtImageHandler,
    "command:local:Command": localCommandHandler,
    "random:index/randomPassword:RandomPassword": randomHandler,
    "random:index/randomString:RandomString": randomHandler,
    "tls:index/privateKey:PrivateKey": privateKeyHandler,
    "tls:index/selfSignedCert:SelfSignedCert": selfSignedCertHandler,
  };
}
